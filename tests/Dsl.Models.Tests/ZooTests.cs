using Xunit;

namespace Dsl.Models.Tests;

/// <summary>The zoo's ImageNet declarations against the parameter counts torchvision publishes for the same architectures.</summary>
public class ZooTests
{
    [Fact]
    public void AlexNet_has_torchvisions_parameter_count() => Assert.Equal(61_100_840, AlexNet.ParameterCount);

    [Fact]
    public void Vgg11_has_torchvisions_parameter_count() => Assert.Equal(132_863_336, Vgg11.ParameterCount);

    [Fact]
    public void ResNet18_has_torchvisions_parameter_count() => Assert.Equal(11_689_512, ResNet18.ParameterCount);

    [Fact]
    public void ResNet34_has_torchvisions_parameter_count() => Assert.Equal(21_797_672, ResNet34.ParameterCount);

    [Fact]
    public void ResNet50_has_torchvisions_parameter_count() => Assert.Equal(25_557_032, ResNet50.ParameterCount);

    [Fact]
    public void ResNeXt50_32x4d_has_torchvisions_parameter_count() => Assert.Equal(25_028_904, ResNeXt50.ParameterCount);

    [Fact]
    public void DenseNet121_has_torchvisions_parameter_count() => Assert.Equal(7_978_856, DenseNet121.ParameterCount);

    [Fact]
    public void RegNetX400MF_has_torchvisions_parameter_count() => Assert.Equal(5_495_976, RegNetX400MF.ParameterCount);
}

/// <summary>The compile-time summary of ResNet-18 against the published cost.</summary>
public class ResNet18SummaryTests
{
    [Fact]
    public void Summary_lists_every_layer_with_shape_parameters_and_flops()
    {
        string[] lines = ResNet18.Summary.Split('\n');
        // 1 stem conv + 8 blocks × 2 convs + 3 projections = 20 convolutions, 20 batch norms, 8 additions.
        Assert.Equal(20, lines.Count(l => l.Contains("(Conv)", StringComparison.Ordinal)));
        Assert.Equal(20, lines.Count(l => l.Contains("(BatchNorm)", StringComparison.Ordinal)));
        Assert.Equal(8, lines.Count(l => l.Contains("(Add)", StringComparison.Ordinal)));
        string projection = Assert.Single(lines, l => l.StartsWith("stage4.0.residual1.downsample.conv1 ", StringComparison.Ordinal));
        Assert.Matches(@"\(512, 7, 7\)\s+131,072\s+6,422,528", projection);
        Assert.Matches(@"^fc1 \(Dense\)\s+\(1000\)\s+513,000\s+512,000$", Assert.Single(lines, l => l.StartsWith("fc1 ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Multiply_adds_agree_with_the_published_1_8_gflops()
    {
        string line = Assert.Single(ResNet18.Summary.Split('\n'), l => l.StartsWith("Multiply-adds in Conv and Dense", StringComparison.Ordinal));
        long multiplyAdds = long.Parse(System.Text.RegularExpressions.Regex.Match(line, @"example: ([\d,]+)").Groups[1].Value.Replace(",", ""));
        // He et al. (2016), Table 1: 1.8 × 10⁹ FLOPs (multiply-adds) for ResNet-18 at 224×224.
        Assert.Equal(1.8, Math.Round(multiplyAdds / 1e9, 1));
        Assert.Equal(1_814_073_344, multiplyAdds);
    }
}
