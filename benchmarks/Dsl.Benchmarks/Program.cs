using BenchmarkDotNet.Running;
using Dsl.Benchmarks;

// `-- --check`: the gradient check of the hand-composed recurrent steps (exit status 1 on failure), no benchmarks.
if (args is ["--check"])
    return GradientCheck.Run() == 0 ? 0 : 1;

// Every benchmark class in this assembly is selectable, e.g. `-- --filter '*Gemm*' --job short`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
