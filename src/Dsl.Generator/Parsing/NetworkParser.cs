using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Dsl.Generator.Diagnostics;
using Dsl.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dsl.Generator.Parsing;

/// <summary>
/// The only code that reads Roslyn symbols and syntax: it turns a <c>[Network]</c> class into a <see cref="NetworkSpec"/>
/// of plain values (and finds layer attributes on classes without <c>[Network]</c>), then lets go of the compilation.
/// </summary>
public static class NetworkParser
{
    /// <summary>Metadata name of the network attribute.</summary>
    public const string NetworkAttributeName = "Dsl.NetworkAttribute";

    /// <summary>Metadata name of the base of every layer attribute.</summary>
    public const string LayerAttributeName = "Dsl.LayerAttribute";

    private static readonly Dictionary<string, LayerKind> s_kinds = new()
    {
        ["Dsl.DenseAttribute"] = LayerKind.Dense,
        ["Dsl.ConvAttribute"] = LayerKind.Conv,
        ["Dsl.MaxPoolAttribute"] = LayerKind.MaxPool,
        ["Dsl.AvgPoolAttribute"] = LayerKind.AvgPool,
        ["Dsl.FlattenAttribute"] = LayerKind.Flatten,
        ["Dsl.ReLUAttribute"] = LayerKind.ReLU,
        ["Dsl.PReLUAttribute"] = LayerKind.PReLU,
        ["Dsl.SigmoidAttribute"] = LayerKind.Sigmoid,
        ["Dsl.TanhAttribute"] = LayerKind.Tanh,
        ["Dsl.DropoutAttribute"] = LayerKind.Dropout,
        ["Dsl.BatchNormAttribute"] = LayerKind.BatchNorm,
        ["Dsl.LayerNormAttribute"] = LayerKind.LayerNorm,
        ["Dsl.GlobalAvgPoolAttribute"] = LayerKind.GlobalAvgPool,
        ["Dsl.AdaptiveAvgPoolAttribute"] = LayerKind.AdaptiveAvgPool,
        ["Dsl.UseAttribute"] = LayerKind.Use,
        ["Dsl.ParallelAttribute"] = LayerKind.Parallel,
        ["Dsl.ResidualAttribute"] = LayerKind.Residual,
        ["Dsl.StageAttribute"] = LayerKind.Stage,
        ["Dsl.VggBlockAttribute"] = LayerKind.VggBlock,
        ["Dsl.NiNBlockAttribute"] = LayerKind.NiNBlock,
        ["Dsl.InceptionAttribute"] = LayerKind.Inception,
        ["Dsl.DenseBlockAttribute"] = LayerKind.DenseBlock,
        ["Dsl.TransitionAttribute"] = LayerKind.Transition,
        ["Dsl.EmbeddingAttribute"] = LayerKind.Embedding,
        ["Dsl.OneHotAttribute"] = LayerKind.OneHot,
        ["Dsl.RecurrentAttribute"] = LayerKind.Recurrent,
        ["Dsl.LastStepAttribute"] = LayerKind.LastStep,
        ["Dsl.DecoderAttribute"] = LayerKind.Decoder,
    };

    /// <summary>The block a <c>[Stage]</c> uses unless told otherwise.</summary>
    public const string DefaultStageBlockName = "Dsl.Bottleneck";

    /// <summary>Metadata name of the block marker.</summary>
    public const string BlockAttributeName = "Dsl.BlockAttribute";

    // Blocks nest (a stage uses a residual that uses a body); deeper than this is surely a mistake, and the limit keeps
    // a pathological declaration from exhausting the compiler's stack.
    private const int MaxBlockDepth = 16;

    // The placeholders of Dsl.Block, shown by name when a block from metadata is described in a message.
    private static readonly Dictionary<int, string> s_placeholders = new()
    {
        [-1_000_001] = "Block.Width",
        [-1_000_002] = "Block.Stride",
        [-1_000_003] = "Block.Groups",
        [-1_000_004] = "Block.BottleneckWidth",
    };

    /// <summary>Reads the class that <paramref name="context"/> found with <c>[Network]</c>. Never throws: an unexpected
    /// failure comes back as a spec with <see cref="NetworkSpec.ParseError"/> set.</summary>
    public static NetworkSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return ParseCore(context, cancellationToken);
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            string name = context.TargetSymbol.Name;
            return new NetworkSpec(null, name, name + ".g.cs", "internal", EquatableArray<string>.Empty, true, null,
                context.Attributes.Length > 0 && context.Attributes[0].ApplicationSyntaxReference is { } reference
                    ? LocationInfo.From(reference.GetSyntax(cancellationToken)) : null,
                EquatableArray<int>.Empty, EquatableArray<LocationInfo>.Empty, InitializerKind.Xavier,
                EquatableArray<LayerSpec>.Empty, HasErrors: true)
            {
                ParseError = exception.GetType().Name + ": " + exception.Message,
            };
        }
    }

    private static NetworkSpec ParseCore(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData network = context.Attributes[0];
        // A declaration the parser recovered from (no name) only produces compiler errors; generating for it would add more.
        bool hasErrors = HasErrors(network) || declaration.Identifier.IsMissing || type.Name.Length == 0;

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing
            ? containing.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length)
            : null;
        var inputShape = new List<int>();
        var inputLocations = new List<LocationInfo>();
        AttributeSyntax? networkSyntax = network.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        LocationInfo? networkLocation = networkSyntax is not null ? LocationInfo.From(networkSyntax) : null;

        if (!hasErrors && network.ConstructorArguments.Length == 1 && network.ConstructorArguments[0] is { Kind: TypedConstantKind.Array, IsNull: false } shape)
        {
            List<AttributeArgumentSyntax> positional = Positional(networkSyntax);
            bool oneArgumentPerDimension = positional.Count == shape.Values.Length;
            for (int i = 0; i < shape.Values.Length; i++)
            {
                inputShape.Add(shape.Values[i].Value is int d ? d : 0);
                LocationInfo? location = oneArgumentPerDimension ? LocationInfo.From(positional[i]) : networkLocation;
                if (location is not null)
                    inputLocations.Add(location);
            }
        }

        var init = InitializerKind.Xavier;
        var sequence = new Dictionary<string, LayerArgument>();
        foreach (KeyValuePair<string, TypedConstant> named in network.NamedArguments)
        {
            if (named.Key == "Init" && named.Value.Value is int value)
                init = (InitializerKind)value;
            else if (named.Key is "Vocab" or "TargetVocab" or "Steps" && named.Value.Value is int size)
                sequence[named.Key] = new LayerArgument(named.Key, ArgumentKind.Int, size, NamedLocation(networkSyntax, named.Key) ?? networkLocation);
        }

        var layers = new List<LayerSpec>();
        int networks = 0;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            // [Network] on two parts of a partial class is already a compiler error (CS0579); generating for
            // each part would add two files with the same name.
            if (attribute.AttributeClass?.ToDisplayString() == NetworkAttributeName && ++networks > 1)
                hasErrors = true;
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsLayerAttribute(attribute.AttributeClass))
                continue;
            if (HasErrors(attribute))
            {
                hasErrors = true;
                continue;
            }
            layers.Add(ParseLayer(attribute, layers.Count + 1, new List<INamedTypeSymbol> { type }, context.SemanticModel.Compilation, cancellationToken));
            // A block with an attribute that does not bind (the compiler reports it) would expand without that layer,
            // so, as for the network's own attributes, nothing is generated.
            if (layers[layers.Count - 1].Blocks.Any(b => b.HasErrors))
                hasErrors = true;
        }

        return new NetworkSpec(
            ns,
            ClassName(type),
            HintName(type),
            AccessibilityKeywords(type.DeclaredAccessibility),
            ContainingTypes(type),
            declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
            LocationInfo.From(declaration.Identifier.GetLocation()),
            networkLocation,
            inputShape.ToEquatableArray(),
            inputLocations.ToEquatableArray(),
            init,
            layers.ToEquatableArray(),
            hasErrors)
        {
            IsRecord = declaration is RecordDeclarationSyntax,
            IsStatic = type.IsStatic,
            NonPartialContainingType = NonPartialContainingType(type, cancellationToken),
            Vocab = sequence.TryGetValue("Vocab", out LayerArgument? vocab) ? vocab : null,
            TargetVocab = sequence.TryGetValue("TargetVocab", out LayerArgument? targetVocab) ? targetVocab : null,
            Steps = sequence.TryGetValue("Steps", out LayerArgument? steps) ? steps : null,
        };
    }

    private static LocationInfo? NamedLocation(AttributeSyntax? syntax, string name)
        => syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name) is { } argument
            ? LocationInfo.From(argument) : null;

    /// <summary>
    /// DSL006 for every layer attribute on <paramref name="context"/>'s class declaration when the class has no
    /// <c>[Network]</c> on any of its parts; empty otherwise.
    /// </summary>
    public static EquatableArray<DiagnosticInfo> FindOrphanLayers(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return FindOrphanLayersCore(context, cancellationToken);
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            return EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InternalErrorId, LocationInfo.From(context.Node),
                (context.Node as TypeDeclarationSyntax)?.Identifier.ValueText ?? "", exception.GetType().Name + ": " + exception.Message));
        }
    }

    private static EquatableArray<DiagnosticInfo> FindOrphanLayersCore(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var declaration = (TypeDeclarationSyntax)context.Node;
        if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not INamedTypeSymbol type)
            return EquatableArray<DiagnosticInfo>.Empty;
        // A [Block] class holds layers for the networks that use it.
        if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is NetworkAttributeName or BlockAttributeName))
            return EquatableArray<DiagnosticInfo>.Empty;

        var diagnostics = new List<DiagnosticInfo>();
        foreach (AttributeListSyntax list in declaration.AttributeLists)
        {
            foreach (AttributeSyntax attribute in list.Attributes)
            {
                if (context.SemanticModel.GetSymbolInfo(attribute, cancellationToken).Symbol is IMethodSymbol constructor
                    && IsLayerAttribute(constructor.ContainingType))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerWithoutNetworkId, LocationInfo.From(attribute),
                        ShortName(constructor.ContainingType), type.Name));
                }
            }
        }
        return diagnostics.ToEquatableArray();
    }

    private static LayerSpec ParseLayer(AttributeData attribute, int number, List<INamedTypeSymbol> enclosing, Compilation compilation, CancellationToken cancellationToken)
    {
        INamedTypeSymbol attributeClass = attribute.AttributeClass!;
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        LocationInfo? location = syntax is not null ? LocationInfo.From(syntax) : null;
        string name = ShortName(attributeClass);
        s_kinds.TryGetValue(attributeClass.ToDisplayString(), out LayerKind kind);

        var arguments = new List<LayerArgument>();
        List<AttributeArgumentSyntax> positional = Positional(syntax);
        ImmutableArray<IParameterSymbol> parameters = attribute.AttributeConstructor!.Parameters;
        for (int i = 0; i < parameters.Length && i < attribute.ConstructorArguments.Length; i++)
        {
            string parameter = parameters[i].Name;
            AttributeArgumentSyntax? argumentSyntax =
                positional.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter)
                ?? (i < positional.Count && positional[i].NameColon is null ? positional[i] : null);
            LocationInfo? argumentLocation = argumentSyntax is not null ? LocationInfo.From(argumentSyntax) : location;
            // A square window (or adaptive output) sets both extents; both point at the one argument.
            IEnumerable<string> properties = parameter switch
            {
                "kernel" => new[] { "KernelHeight", "KernelWidth" },
                "size" => new[] { "OutputHeight", "OutputWidth" },
                _ => new[] { Pascal(parameter) },
            };
            foreach (string property in properties)
                if (ToArgument(property, attribute.ConstructorArguments[i], argumentLocation) is { } argument)
                    arguments.Add(argument);
        }
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            AttributeArgumentSyntax? argumentSyntax = syntax?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == named.Key);
            if (ToArgument(named.Key, named.Value, argumentSyntax is not null ? LocationInfo.From(argumentSyntax) : location) is { } argument)
                arguments.Add(argument);
        }

        var blocks = new List<BlockSpec>();
        foreach (TypedConstant constant in attribute.ConstructorArguments)
            AddBlocks(constant, blocks, enclosing, compilation, cancellationToken);
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            AddBlocks(named.Value, blocks, enclosing, compilation, cancellationToken);
        // A stage without Block = typeof(...) uses Dive into Deep Learning's AnyNet block, declared in Dsl.Attributes.
        if (kind == LayerKind.Stage && blocks.Count == 0 && compilation.GetTypeByMetadataName(DefaultStageBlockName) is { } bottleneck)
            blocks.Add(ReadBlock(bottleneck, enclosing, compilation, cancellationToken));

        string display = syntax is not null ? Display(name, syntax) : DisplayFromMetadata(name, attribute);
        return new LayerSpec(kind, name, display, number, location, arguments.ToEquatableArray()) { Blocks = blocks.ToEquatableArray() };
    }

    private static void AddBlocks(TypedConstant constant, List<BlockSpec> blocks, List<INamedTypeSymbol> enclosing, Compilation compilation, CancellationToken cancellationToken)
    {
        if (constant.Kind == TypedConstantKind.Array && !constant.IsNull)
        {
            foreach (TypedConstant element in constant.Values)
                AddBlocks(element, blocks, enclosing, compilation, cancellationToken);
        }
        else if (constant.Kind == TypedConstantKind.Type && constant.Value is INamedTypeSymbol type)
        {
            blocks.Add(ReadBlock(type, enclosing, compilation, cancellationToken));
        }
    }

    /// <summary>Reads a class named by <c>typeof</c>: its layers when it is a <c>[Block]</c>, else why it cannot be one.</summary>
    private static BlockSpec ReadBlock(INamedTypeSymbol type, List<INamedTypeSymbol> enclosing, Compilation compilation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string name = type.Name;
        if (!type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == BlockAttributeName))
            return new BlockSpec(name, EquatableArray<LayerSpec>.Empty, $"'{name}' is not a block; mark it [Block] and give it layer attributes");
        int cycle = enclosing.FindIndex(t => SymbolEqualityComparer.Default.Equals(t, type));
        if (cycle >= 0)
        {
            string path = string.Join(" → ", enclosing.Skip(cycle).Select(t => t.Name).Concat(new[] { name }));
            return new BlockSpec(name, EquatableArray<LayerSpec>.Empty, $"'{name}' uses itself ({path}), so it would never end");
        }
        if (enclosing.Count > MaxBlockDepth)
            return new BlockSpec(name, EquatableArray<LayerSpec>.Empty, $"blocks nest more than {MaxBlockDepth} deep at '{name}'");

        var layers = new List<LayerSpec>();
        enclosing.Add(type);
        bool hasErrors = false;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!IsLayerAttribute(attribute.AttributeClass))
                continue;
            if (HasErrors(attribute))
            {
                hasErrors = true;
                continue;
            }
            layers.Add(ParseLayer(attribute, layers.Count + 1, enclosing, compilation, cancellationToken));
        }
        enclosing.RemoveAt(enclosing.Count - 1);
        return new BlockSpec(name, layers.ToEquatableArray()) { HasErrors = hasErrors || layers.Any(l => l.Blocks.Any(b => b.HasErrors)) };
    }

    /// <summary>The attribute spelt from its values, for blocks compiled into a referenced assembly (no syntax to read).</summary>
    private static string DisplayFromMetadata(string name, AttributeData attribute)
    {
        var parts = new List<string>();
        foreach (TypedConstant constant in attribute.ConstructorArguments)
            parts.Add(ConstantText(constant));
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            parts.Add(named.Key + " = " + ConstantText(named.Value));
        return parts.Count == 0 ? name : name + "(" + string.Join(", ", parts) + ")";
    }

    private static string ConstantText(TypedConstant constant) => constant.Kind switch
    {
        TypedConstantKind.Array => string.Join(", ", constant.Values.Select(ConstantText)),
        TypedConstantKind.Type => "typeof(" + (constant.Value as ITypeSymbol)?.Name + ")",
        TypedConstantKind.Enum => constant.Type?.Name + "." + constant.Type?.GetMembers().OfType<IFieldSymbol>()
            .FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, constant.Value))?.Name,
        _ when constant.Value is int i && s_placeholders.TryGetValue(i, out string? placeholder) => placeholder,
        _ when constant.Value is bool b => b ? "true" : "false",
        _ when constant.Value is double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };

    private static LayerArgument? ToArgument(string name, TypedConstant constant, LocationInfo? location) => constant.Kind is TypedConstantKind.Array or TypedConstantKind.Type ? null : constant.Value switch
    {
        int i => new LayerArgument(name, ArgumentKind.Int, i, location),
        double d => new LayerArgument(name, ArgumentKind.Double, d, location),
        float f => new LayerArgument(name, ArgumentKind.Double, f, location),
        bool b => new LayerArgument(name, ArgumentKind.Bool, b ? 1 : 0, location),
        _ => null,
    };

    private static List<AttributeArgumentSyntax> Positional(AttributeSyntax? syntax)
        => syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null).ToList() ?? new List<AttributeArgumentSyntax>();

    private static bool HasErrors(AttributeData attribute)
        => attribute.AttributeClass is null or { TypeKind: TypeKind.Error }
            || attribute.AttributeConstructor is null
            || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
            || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    private static bool IsLayerAttribute(INamedTypeSymbol? type)
    {
        for (INamedTypeSymbol? current = type?.BaseType; current is not null; current = current.BaseType)
            if (current.ToDisplayString() == LayerAttributeName)
                return true;
        return false;
    }

    private static string ShortName(INamedTypeSymbol attributeClass)
    {
        string name = attributeClass.Name;
        return name.EndsWith("Attribute", System.StringComparison.Ordinal) && name.Length > "Attribute".Length
            ? name.Substring(0, name.Length - "Attribute".Length)
            : name;
    }

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>
    /// The attribute as written, under its short name (whatever alias or qualification the source used) and with
    /// canonical spacing, so that reformatting does not change the generated code.
    /// </summary>
    private static string Display(string name, AttributeSyntax? syntax)
    {
        if (syntax?.ArgumentList is not { } arguments)
            return name;
        var text = new StringBuilder(name);
        foreach (SyntaxToken token in arguments.DescendantTokens())
        {
            switch (token.Kind())
            {
                case SyntaxKind.CommaToken: text.Append(", "); break;
                case SyntaxKind.EqualsToken: text.Append(" = "); break;
                case SyntaxKind.ColonToken: text.Append(": "); break;
                default: text.Append(token.Text); break;
            }
        }
        return text.ToString();
    }

    private static string ClassName(INamedTypeSymbol type)
        => type.TypeParameters.Length == 0
            ? Identifier(type.Name)
            : Identifier(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name))) + ">";

    private static string Identifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static string HintName(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            parts.Insert(0, current.MetadataName.Replace('`', '_'));
        if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
            parts.Insert(0, ns.ToDisplayString());
        return string.Join(".", parts) + ".g.cs";
    }

    private static EquatableArray<string> ContainingTypes(INamedTypeSymbol type)
    {
        var declarations = new List<string>();
        for (INamedTypeSymbol? current = type.ContainingType; current is not null; current = current.ContainingType)
        {
            string keyword = current switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            declarations.Insert(0, "partial " + keyword + " " + ClassName(current));
        }
        return declarations.ToEquatableArray();
    }

    private static string? NonPartialContainingType(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (INamedTypeSymbol? current = type.ContainingType; current is not null; current = current.ContainingType)
        {
            foreach (SyntaxReference reference in current.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration
                    && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    return current.Name;
            }
        }
        return null;
    }

    private static string AccessibilityKeywords(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "internal",
    };
}
