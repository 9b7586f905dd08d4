using BenchmarkDotNet.Running;

// Every benchmark class in this assembly is selectable, e.g. `-- --filter '*Gemm*' --job short`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
