using System.Xml.Linq;
using Diffusion.Display;
using Diffusion.Models;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// The diagram is drawn from a UNetConfig alone; these tests hold it against the networks that configuration builds: the
/// stages UNet.Stages() lists, the channel counts in their weights, and the shapes of one forward pass.
/// </summary>
public class UNetDiagramTests
{
    public static TheoryData<string> Presets() => new("Tiny", "Small", "Large", "SmallWithClasses", "TwoBlocksFourLevels");

    private static UNetConfig Config(string name) => name switch
    {
        "Tiny" => UNetConfig.Tiny,
        "Small" => UNetConfig.Small,
        "Large" => UNetConfig.Large,
        "SmallWithClasses" => UNetConfig.Small with { NumClasses = 10 },
        "TwoBlocksFourLevels" => UNetConfig.Tiny with { ChannelMultipliers = [1, 2, 2, 4], ResBlocksPerLevel = 2, AttentionLevels = [] },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown configuration."),
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void Stages_are_the_networks_stages_in_order(string preset)
    {
        var config = Config(preset);
        using var network = new UNet(config);
        var diagram = UNetDiagram.For(config);
        Assert.Equal(network.Stages().Select(s => (s.Name, s.Kind)), diagram.Stages.Select(s => (s.Name, s.Kind)));
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Svg_is_well_formed_and_names_every_stage(string preset)
    {
        var config = Config(preset);
        using var network = new UNet(config);
        var diagram = UNetDiagram.For(config);
        var svg = XDocument.Parse(diagram.Svg).Root!;                                 // throws if it is not XML
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Name);
        var drawn = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "stage").ToList();
        Assert.Equal(network.Stages().Select(s => s.Name), drawn.Select(g => (string)g.Attribute("data-stage")!));
        foreach (var (name, _, _) in network.Stages())
            Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == name);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void One_skip_per_encoder_output_each_drawn_once(string preset)
    {
        var config = Config(preset);
        using var network = new UNet(config);
        var diagram = UNetDiagram.For(config);
        var encoderOutputs = network.Stages().Select(s => s.Name).Where(n => n == "input" || n.StartsWith("down.")).ToList();
        var decoderBlocks = network.Stages().Where(s => s.Name.StartsWith("up.") && s.Kind != "upsample").Select(s => s.Name).ToList();

        // Pushed in running order, consumed in reverse (a stack), one per decoder residual block.
        Assert.Equal(Enumerable.Reverse(encoderOutputs), diagram.Skips.Select(s => s.From));
        Assert.Equal(decoderBlocks, diagram.Skips.Select(s => s.To));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = XDocument.Parse(diagram.Svg).Descendants(ns + "line").Where(l => (string?)l.Attribute("class") == "skip").ToList();
        Assert.Equal(encoderOutputs.Count, lines.Count);
        Assert.Equal(encoderOutputs.Order(), lines.Select(l => (string)l.Attribute("data-from")!).Order());
        Assert.All(lines, l => Assert.Equal((string)l.Attribute("y1")!, (string)l.Attribute("y2")!));   // drawn straight across the U
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void Channels_match_the_networks_weights(string preset)
    {
        var config = Config(preset);
        using var network = new UNet(config);
        var diagram = UNetDiagram.For(config);
        var weights = network.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        foreach (var s in diagram.Stages.Where(s => s.Kind.StartsWith("residual")))
        {
            Assert.Equal(s.InChannels + s.SkipChannels, weights[$"{s.Name}.residual.norm1.weight"][0]);   // GroupNorm over the block's input
            Assert.Equal(s.OutChannels, weights[$"{s.Name}.residual.norm2.weight"][0]);
            if (s.HasAttention)
                Assert.Equal(3 * s.OutChannels, weights[$"{s.Name}.attention.qkv.weight"][0]);
        }
    }

    [Theory]
    [InlineData(28)]
    [InlineData(17)]
    public void Resolutions_and_output_channels_match_a_forward_pass(int size)
    {
        var config = UNetConfig.Tiny with { ChannelMultipliers = [1, 2, 2] };
        using var network = new UNet(config);
        var diagram = UNetDiagram.For(config, imageSize: size);
        var shapes = new Dictionary<string, long[]>();
        using (no_grad())
        using (var x = zeros(1, 1, size, size))
        using (var t = zeros(1, dtype: ScalarType.Int64))
            network.forward(x, t, labels: null, observe: (stage, output) => shapes[stage] = output.shape);
        foreach (var s in diagram.Stages.Where(s => s.Level >= 0))
        {
            Assert.Equal(s.OutChannels, shapes[s.Name][1]);
            Assert.Equal(s.Resolution, shapes[s.Name][2]);
        }
    }

    [Fact]
    public void Saves_an_svg_file_and_shows_it_inline()
    {
        using var temp = new TempFolder();
        var diagram = UNetDiagram.For(UNetConfig.Tiny, title: "a <tiny> UNet");
        Assert.Equal(".svg", diagram.FileExtension);
        diagram.Save(temp.File("unet.svg"));
        Assert.Equal(diagram.Svg, File.ReadAllText(temp.File("unet.svg")));
        Assert.Contains("<svg", diagram.ToHtml());
        Assert.Contains("a &lt;tiny&gt; UNet", diagram.Svg);
        Assert.Contains("attention at 14 × 14 and the middle", UNetDiagram.For(UNetConfig.Tiny).Title);
    }

    [Fact]
    public void Rejects_what_a_UNet_rejects()
    {
        Assert.Throws<ArgumentException>(() => UNetDiagram.For(UNetConfig.Small with { NormGroups = 7 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => UNetDiagram.For(UNetConfig.Small, imageSize: 0));
    }
}
