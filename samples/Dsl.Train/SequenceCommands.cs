using Dsl.Runtime;

namespace Dsl.Train;

/// <summary>
/// The sequence-model commands of the main job (Dive into Deep Learning chapters 9–10): <c>lm</c>, <c>translate</c>, <c>sine</c>.
/// Each returns the process exit code: 0 success, 1 training diverged, 2 bad command line or missing file.
/// </summary>
internal static class SequenceCommands
{
    public static bool IsCommand(string name) => name is "lm" or "translate" or "sine";

    public static string Usage => """
        Sequence models (Dive into Deep Learning, chapters 9–10):

          dotnet run -c Release --project samples/Dsl.Train -- lm [options]
            Character language model with truncated BPTT; prints perplexity per epoch and a generated continuation.
            --model generated|embedding|hand  the generated CharLstmOneHot (default: one-hot, 2 × LSTM 256, dropout 0.3,
                               35 steps), the generated CharLstm (embedding 32), or the hand-written CharLanguageModel, the only
                               one that --cell, --hidden, --layers, --embedding, --dropout and --steps apply to
            --text FILE        plain text to model (default: samples/Dsl.Train/data/lighthouse.txt, shipped with the repo)
            --cell lstm|gru|rnn  recurrent cell (default lstm)
            --hidden N         hidden units per layer (default 256)
            --layers N         stacked layers (default 2)
            --embedding N      embedding width, 0 for one-hot input (default 0)
            --dropout X        dropout between layers (default 0.3)
            --steps N          BPTT length (default 35)
            --batch N          rows per minibatch (default 32)
            --epochs N         epochs (default 15)
            --partition sequential|random  minibatch partitioning (default sequential: state carried, detached)
            --lr X             Adam learning rate (default 0.005)
            --clip X           global gradient-norm bound (default 1)
            --validation X     fraction of the text held out for validation perplexity (default 0.1)
            --prefix TEXT      prefix to continue (default "the lighthouse ")
            --generate N       characters to generate (default 160)
            --temperature X    temperature of the sampled continuation printed after the greedy one (default 0.6)
            --seed N, --threads N

          dotnet run -c Release --project samples/Dsl.Train -- translate [options]
            GRU encoder-decoder on the synthetic translation task; prints loss per epoch, held-out BLEU, samples.
            --model generated|hand  the generated Translator (default: embedding 64, 2 × GRU 128, dropout 0.1) or the
                               hand-written Seq2Seq, the only one that --embedding, --hidden, --layers and --dropout apply to
            --pairs N (default 3000)  --epochs N (default 20)  --batch N (default 64)  --embedding N (default 64)
            --hidden N (default 128)  --layers N (default 2)  --dropout X (default 0.1)  --lr X (default 0.005)
            --clip X (default 1)  --seed N  --threads N

          dotnet run -c Release --project samples/Dsl.Train -- sine [--epochs N] [--seed N]
            MLP on lag-4 features of a noisy sine; prints 1-, 4-, 16- and 64-step-ahead mean squared errors.

        """;

    public static int Run(IReadOnlyList<string> args)
    {
        try
        {
            return args[0] switch
            {
                "lm" => LanguageModelCommand.Run(args),
                "translate" => TranslateCommand.Run(args),
                _ => SineCommand.Run(args),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine();
            Console.Error.Write(Usage);
            return 2;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    public static void ApplyThreads(SequenceArguments a)
    {
        if (a.String("--threads") is not null) Parallelism.MaxDegree = a.Int("--threads", 1);
    }
}
