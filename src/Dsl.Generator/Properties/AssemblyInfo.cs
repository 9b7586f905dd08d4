using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Dsl.Generator.Tests")]
