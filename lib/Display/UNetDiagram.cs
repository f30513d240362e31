using System.Globalization;
using System.Net;
using System.Text;
using Diffusion.Models;

namespace Diffusion.Display;

/// <summary>One box of a <see cref="UNetDiagram"/>: a stage of the UNet, named and described as <see cref="UNet.Stages"/> does.</summary>
/// <param name="Level">Resolution level of the output (0 = full size); -1 for the time and class embeddings.</param>
/// <param name="Resolution">Height (= width) of the output feature map; 0 for the embeddings.</param>
/// <param name="InChannels">Channels of the main path coming in (for a decoder block: without the skip).</param>
/// <param name="SkipChannels">Channels of the skip concatenated to the input; 0 for stages that take none.</param>
public sealed record DiagramStage(string Name, string Kind, int Level, int Resolution, int InChannels, int SkipChannels, int OutChannels)
{
    public bool HasAttention => Kind.EndsWith("attention", StringComparison.Ordinal);
}

/// <summary>One skip connection: the output of encoder stage <paramref name="From"/>, concatenated to the input of decoder stage <paramref name="To"/>.</summary>
public sealed record DiagramSkip(string From, string To, int Channels, int Resolution);

/// <summary>
/// The architecture of a <see cref="UNet"/> drawn from its <see cref="UNetConfig"/> alone, as an SVG "U": the encoder runs
/// down the left (one band per resolution level), the middle sits at the bottom, the decoder climbs up the right, and every
/// skip connection is a dashed arrow across the band, from the encoder output that is pushed to the decoder block that
/// concatenates it. Blocks followed by self-attention are coloured differently. Shown inline as the value of a notebook cell,
/// saved as .svg with <see cref="Save"/>:
/// <code>figures.Show(UNetDiagram.For(UNetConfig.Small), "unet_small")</code>
/// Stage names and kinds are those of <see cref="UNet.Stages"/> (tests/UNetDiagramTests.cs checks it against real networks).
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class UNetDiagram : IHtmlView, IFigure
{
    private const int BoxWidth = 220, BoxHeight = 38, RowHeight = 50, Indent = 40, Width = 960;
    private const int LeftColumn = 110, HeaderTop = 44, LegendHeight = 70;

    private UNetDiagram(UNetConfig config, int imageSize, IReadOnlyList<DiagramStage> stages, IReadOnlyList<DiagramSkip> skips, string title)
    {
        Config = config;
        ImageSize = imageSize;
        Stages = stages;
        Skips = skips;
        Title = title;
        Svg = Draw();
    }

    public UNetConfig Config { get; }
    public int ImageSize { get; }
    public string Title { get; }

    /// <summary>The stages in the order the network runs them (the order of <see cref="UNet.Stages"/>).</summary>
    public IReadOnlyList<DiagramStage> Stages { get; }

    /// <summary>The skip connections in the order the decoder consumes them.</summary>
    public IReadOnlyList<DiagramSkip> Skips { get; }

    /// <summary>The drawing, a standalone SVG document.</summary>
    public string Svg { get; }

    /// <param name="config">The network to draw; it is validated as <see cref="UNet"/> does.</param>
    /// <param name="imageSize">Height (= width) of the input images, for the resolution of every level (28 for Fashion-MNIST).</param>
    /// <param name="title">A heading; by default one made from the configuration.</param>
    public static UNetDiagram For(UNetConfig config, int imageSize = 28, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (imageSize < 1)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "Images need at least one pixel.");
        int levels = config.ChannelMultipliers.Count;
        var resolution = new int[levels];
        resolution[0] = imageSize;
        for (int level = 1; level < levels; level++)
            resolution[level] = (resolution[level - 1] + 1) / 2;                    // a stride-2 3x3 convolution with padding 1: ceil(H / 2)
        int LevelChannels(int level) => config.BaseChannels * config.ChannelMultipliers[level];
        string Block(int level) => config.AttentionLevels.Contains(level) ? "residual + attention" : "residual";

        var stages = new List<DiagramStage> { new("time", "sinusoidal + MLP", -1, 0, config.BaseChannels, 0, config.EmbeddingDim) };
        if (config.NumClasses > 0)
            stages.Add(new("classes", "embedding", -1, 0, config.NumClasses + 1, 0, config.EmbeddingDim));
        stages.Add(new("input", "conv 3x3", 0, imageSize, config.ImageChannels, 0, config.BaseChannels));

        // The encoder: every output is pushed as a skip (the input convolution's too), as UNet's constructor does.
        var pushed = new Stack<DiagramStage>([stages[^1]]);
        int channels = config.BaseChannels, down = 0;
        for (int level = 0; level < levels; level++)
        {
            for (int r = 0; r < config.ResBlocksPerLevel; r++)
            {
                var block = new DiagramStage($"down.{down++}", Block(level), level, resolution[level], channels, 0, LevelChannels(level));
                stages.Add(block);
                pushed.Push(block);
                channels = block.OutChannels;
            }
            if (level < levels - 1)
            {
                var downsample = new DiagramStage($"down.{down++}", "downsample", level + 1, resolution[level + 1], channels, 0, channels);
                stages.Add(downsample);
                pushed.Push(downsample);
            }
        }
        stages.Add(new("middle", "residual + attention", levels - 1, resolution[levels - 1], channels, 0, channels));

        // The decoder: one more block per level than the encoder, each concatenating the most recently pushed skip.
        var skips = new List<DiagramSkip>();
        int up = 0;
        for (int level = levels - 1; level >= 0; level--)
        {
            for (int r = 0; r <= config.ResBlocksPerLevel; r++)
            {
                var skip = pushed.Pop();
                var block = new DiagramStage($"up.{up++}", Block(level), level, resolution[level], channels, skip.OutChannels, LevelChannels(level));
                stages.Add(block);
                skips.Add(new DiagramSkip(skip.Name, block.Name, skip.OutChannels, skip.Resolution));
                channels = block.OutChannels;
            }
            if (level > 0)
                stages.Add(new($"up.{up++}", "upsample", level - 1, resolution[level - 1], channels, 0, channels));
        }
        stages.Add(new("output", "norm, SiLU, conv 3x3", 0, imageSize, channels, 0, config.ImageChannels));

        title ??= $"UNet on {imageSize} × {imageSize} images: {levels} levels of " +
                  string.Join(", ", Enumerable.Range(0, levels).Select(LevelChannels)) + " channels, " +
                  $"{config.ResBlocksPerLevel} residual block{(config.ResBlocksPerLevel == 1 ? "" : "s")} per level, attention at " +
                  (config.AttentionLevels.Count == 0 ? "the middle only" : string.Join(", ", config.AttentionLevels.Order().Select(l => $"{resolution[l]} × {resolution[l]}")) + " and the middle");
        return new UNetDiagram(config, imageSize, stages, skips, title);
    }

    public string FileExtension => ".svg";

    /// <summary>Writes <see cref="Svg"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, Svg);

    public string ToHtml() => $"<div style=\"overflow-x:auto\">{Svg}</div>";

    public override string ToString() =>
        string.Join("\n", Stages.Select(s => $"{s.Name,-8} {s.Kind,-22} level {s.Level,2}  {s.InChannels} + {s.SkipChannels} -> {s.OutChannels}"));

    /// <summary>Lays the stages out on a grid of rows (a band of rows per level) and two columns, then writes the SVG.</summary>
    private string Draw()
    {
        int levels = Config.ChannelMultipliers.Count;
        int encoderRows = Config.ResBlocksPerLevel + 1;                             // input or downsample, then the residual blocks
        int BandRows(int level) => level < levels - 1 ? encoderRows + 1 : encoderRows;   // + the upsample arriving from below
        var bandTop = new int[levels];
        int top = HeaderTop + RowHeight + 16;
        for (int level = 0; level < levels; level++)
        {
            bandTop[level] = top;
            top += BandRows(level) * RowHeight + 12;
        }
        int middleTop = top;
        int height = middleTop + RowHeight + LegendHeight + 10;

        int LeftX(int level) => LeftColumn + level * Indent;
        int RightX(int level) => Width - 20 - BoxWidth - level * Indent;

        // Where each box goes: the encoder fills its band top-down, the decoder bottom-up, so that every skip is horizontal.
        var place = new Dictionary<string, (int X, int Y)>();
        var rowInBand = new int[levels];
        var decoderCount = new int[levels];
        foreach (var s in Stages)
        {
            if (s.Name == "time") place[s.Name] = (Width / 2 - BoxWidth - 10, HeaderTop);
            else if (s.Name == "classes") place[s.Name] = (Width / 2 + 10, HeaderTop);
            else if (s.Name == "output") place[s.Name] = (RightX(0), HeaderTop);
            else if (s.Name == "middle") place[s.Name] = ((LeftX(levels - 1) + BoxWidth + RightX(levels - 1)) / 2 - BoxWidth / 2, middleTop);
            else if (s.Name == "input" || s.Name.StartsWith("down.", StringComparison.Ordinal))
                place[s.Name] = (LeftX(s.Level), bandTop[s.Level] + rowInBand[s.Level]++ * RowHeight);
        }
        foreach (var s in Stages.Where(s => s.Name.StartsWith("up.", StringComparison.Ordinal)))
        {
            // Consumers at a level take rows encoderRows-1 .. 0 in running order; the upsample into a level takes the row below them.
            int row = s.Kind == "upsample" ? encoderRows : encoderRows - 1 - decoderCount[s.Level]++;
            place[s.Name] = (RightX(s.Level), bandTop[s.Level] + row * RowHeight);
        }

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<defs><marker id=\"unet-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">" +
                   "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker>" +
                   "<marker id=\"unet-skip-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">" +
                   "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#2b7bb9\"/></marker></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        Text(svg, 12, 22, Title, "font-size=\"14\" font-weight=\"bold\"");

        // Level bands with their resolution and channel count.
        for (int level = 0; level < levels; level++)
        {
            int y = bandTop[level] - 8, bandHeight = BandRows(level) * RowHeight + 4;
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"6\" y=\"{y}\" width=\"{Width - 12}\" height=\"{bandHeight}\" fill=\"{(level % 2 == 0 ? "#f6f6f6" : "#eeeeee")}\" rx=\"6\"/>\n");
            int resolution = Stages.First(s => s.Level == level && s.Name != "time" && s.Name != "classes").Resolution;
            Text(svg, 14, y + 22, $"level {level}", "font-weight=\"bold\"");
            Text(svg, 14, y + 38, $"{resolution} × {resolution}");
            Text(svg, 14, y + 54, $"{Config.BaseChannels * Config.ChannelMultipliers[level]} ch");
        }
        Text(svg, 14, middleTop + 16, "middle", "font-weight=\"bold\"");
        int bottom = Stages.First(s => s.Name == "middle").Resolution;
        Text(svg, 14, middleTop + 32, $"{bottom} × {bottom}");

        // The main path: stage to stage in running order (the embeddings feed every block and are left out).
        var path = Stages.Where(s => s.Level >= 0).ToList();
        for (int i = 0; i + 1 < path.Count; i++)
            Arrow(svg, place[path[i].Name], place[path[i + 1].Name]);

        foreach (var skip in Skips)
        {
            var (fx, fy) = place[skip.From];
            var (tx, ty) = place[skip.To];
            int x1 = fx + BoxWidth, y1 = fy + BoxHeight / 2, x2 = tx - 2, y2 = ty + BoxHeight / 2;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line class=\"skip\" data-from=\"{skip.From}\" data-to=\"{skip.To}\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" " +
                $"stroke=\"#2b7bb9\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\" marker-end=\"url(#unet-skip-arrow)\"/>\n");
            Text(svg, (x1 + x2) / 2, (y1 + y2) / 2 - 5, $"skip {skip.Channels} ch", "text-anchor=\"middle\" fill=\"#2b7bb9\"");
        }

        foreach (var s in Stages)
            Box(svg, s, place[s.Name]);

        var (ix, iy) = place["input"];
        Text(svg, ix + 8, HeaderTop + 20, $"x_t: {Config.ImageChannels} ch, {ImageSize} × {ImageSize}", "font-weight=\"bold\"");
        Arrow(svg, (ix, HeaderTop - 10), (ix, iy));
        Text(svg, place["output"].X + 8, HeaderTop - 6, "the prediction, shaped like x_t", "fill=\"#555\"");

        int legendY = height - LegendHeight + 4;
        int lx = 14;
        foreach (var (fill, label) in new[] { (ResidualFill, "residual block"), (AttentionFill, "residual block + self-attention"),
                                              (ResampleFill, "downsample / upsample"), (OtherFill, "embedding, input, output") })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{legendY}\" width=\"16\" height=\"12\" fill=\"{fill}\" stroke=\"#555\"/>\n");
            Text(svg, lx + 22, legendY + 11, label);
            lx += 44 + 7 * label.Length;
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"14\" y1=\"{legendY + 26}\" x2=\"48\" y2=\"{legendY + 26}\" stroke=\"#2b7bb9\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>\n");
        Text(svg, 56, legendY + 31, "skip connection: an encoder output, concatenated to the decoder block's input");
        Text(svg, 14, legendY + 52, "The time vector e (and the class vector, if any) goes into every residual block. Box text: channels in (+ skip) → out.",
            "fill=\"#555\"");
        return svg.Append("</svg>\n").ToString();
    }

    private const string ResidualFill = "#cfe2f3", AttentionFill = "#f9cb9c", ResampleFill = "#d9d9d9", OtherFill = "#d9ead3";

    private void Box(StringBuilder svg, DiagramStage s, (int X, int Y) at)
    {
        string fill = s.Kind switch
        {
            "residual" => ResidualFill,
            "residual + attention" => AttentionFill,
            "downsample" or "upsample" => ResampleFill,
            _ => OtherFill,
        };
        string detail = s switch
        {
            { Name: "time" } => $"t → e, {s.OutChannels} numbers",
            { Name: "classes" } => $"{s.InChannels} labels (last: none) → {s.OutChannels}",
            { Kind: "downsample" } => $"{s.OutChannels} ch, {Resolution(s.Level - 1)} → {s.Resolution} px",
            { Kind: "upsample" } => $"{s.OutChannels} ch, {Resolution(s.Level + 1)} → {s.Resolution} px",
            { SkipChannels: > 0 } => $"{s.InChannels} + {s.SkipChannels} skip → {s.OutChannels} ch",
            _ => $"{s.InChannels} → {s.OutChannels} ch",
        };
        svg.Append(CultureInfo.InvariantCulture,
            $"<g class=\"stage\" data-stage=\"{s.Name}\"><rect x=\"{at.X}\" y=\"{at.Y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"5\" fill=\"{fill}\" stroke=\"#555\"/>\n");
        Text(svg, at.X + 8, at.Y + 15, s.Name, "font-weight=\"bold\"");
        Text(svg, at.X + 66, at.Y + 15, s.Kind);
        Text(svg, at.X + 8, at.Y + 31, detail, "fill=\"#333\"");
        svg.Append("</g>\n");
    }

    private int Resolution(int level) => Stages.First(s => s.Level == level).Resolution;

    /// <summary>A main-path arrow between two boxes: down the encoder, across the bottom, up the decoder.</summary>
    private static void Arrow(StringBuilder svg, (int X, int Y) from, (int X, int Y) to)
    {
        int fx = from.X + BoxWidth / 2, tx = to.X + BoxWidth / 2;
        (int y1, int y2) = to.Y > from.Y ? (from.Y + BoxHeight, to.Y - 2) : (from.Y, to.Y + BoxHeight + 2);
        if (to.Y == from.Y)                                                          // side by side (never in practice): left to right
            (fx, tx, y1, y2) = (from.X + BoxWidth, to.X - 2, from.Y + BoxHeight / 2, to.Y + BoxHeight / 2);
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{fx}\" y1=\"{y1}\" x2=\"{tx}\" y2=\"{y2}\" stroke=\"#444\" stroke-width=\"1.4\" marker-end=\"url(#unet-arrow)\"/>\n");
    }

    private static void Text(StringBuilder svg, int x, int y, string text, string attributes = "") =>
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y}\" {attributes}>{WebUtility.HtmlEncode(text)}</text>\n");
}
