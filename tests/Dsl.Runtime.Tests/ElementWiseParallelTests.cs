using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>The element-wise kernels split long tensors over the threads: the parts must join up exactly (no element
/// skipped or computed twice, in-place aliasing kept), so results equal the scalar formula and the one-thread run bit for bit.</summary>
[Collection(nameof(ParallelismCollection))]
public class ElementWiseParallelTests
{
    [Theory]
    [InlineData((1 << 18) + 37)]  // parts end off the 64-float split alignment, plus an overlapping tail vector
    [InlineData(1 << 19)]
    [InlineData((1 << 18) - 1)]   // just below the split: one thread
    public void ActivationsAndMergesMatchTheScalarFormulaOnEveryDegree(int length)
    {
        float[] x = FiniteDifference.Random(length, 1), dy = FiniteDifference.Random(length, 2);
        int saved = Parallelism.MaxDegree;
        try
        {
            float[]? sigmoidOneThread = null;
            foreach (int degree in new[] { 1, 2 })
            {
                Parallelism.MaxDegree = degree;
                var y = new float[length];
                Activations.Relu(x, y);
                for (int i = 0; i < length; i++)
                    Assert.True(y[i] == Math.Max(x[i], 0f), $"degree {degree}: relu[{i}] = {y[i]}, x = {x[i]}");

                var dx = new float[length];
                Activations.ReluBackward(y, dy, dx);
                for (int i = 0; i < length; i++)
                    Assert.True(dx[i] == (y[i] > 0 ? dy[i] : 0f), $"degree {degree}: relu gradient [{i}] = {dx[i]}");

                var sum = new float[length];
                Merge.Add(x, dy, sum);
                for (int i = 0; i < length; i++)
                    Assert.True(sum[i] == x[i] + dy[i], $"degree {degree}: add[{i}] = {sum[i]}");

                // In place: y = y + dy, and destination += source.
                float[] inPlace = (float[])x.Clone();
                Merge.Add(inPlace, dy, inPlace);
                Assert.Equal(sum, inPlace);
                float[] accumulated = (float[])x.Clone();
                Merge.Accumulate(dy, accumulated);
                Assert.Equal(sum, accumulated);
                float[] relu = (float[])x.Clone();
                Activations.Relu(relu, relu);
                Assert.Equal(y, relu);

                var sigmoid = new float[length];
                Activations.Sigmoid(x, sigmoid);
                if (sigmoidOneThread is null) sigmoidOneThread = sigmoid;
                else Assert.Equal(sigmoidOneThread, sigmoid);
            }
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }
}
