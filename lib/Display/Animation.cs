using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// An animated GIF of image grids, e.g. a denoising trajectory from pure noise to samples. Shown inline as the value
/// of a cell; <see cref="Save"/> writes the .gif. A printed page cannot animate (it would show the first frame, pure
/// noise), so on paper the animation is replaced by <see cref="PrintStrip"/>: a few of its frames, one row each.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class Animation : IHtmlView, IFigure
{
    private Animation(byte[] gif, ImageGrid printStrip)
    {
        Gif = gif;
        PrintStrip = printStrip;
    }

    public byte[] Gif { get; }

    /// <summary>What a printed page shows instead: <see cref="PrintFrames"/> evenly spaced frames, first row only, labelled by step.</summary>
    public ImageGrid PrintStrip { get; }

    /// <summary>How many frames the printed strip shows.</summary>
    public const int PrintFrames = 6;

    /// <summary>
    /// Builds the animation from a trajectory (x_T first, x_0 last), keeping about <paramref name="frames"/> evenly
    /// spaced states and holding the last one for a second.
    /// </summary>
    /// <param name="trajectory">Each state [B, C, H, W], values in [low, high] (noisy states are clamped).</param>
    public static Animation FromTrajectory(IReadOnlyList<Tensor> trajectory, int columns = 8, int scale = 2, int frames = 40,
        int frameDelayCentiseconds = 8, float low = -1f, float high = 1f)
    {
        if (trajectory.Count == 0)
            throw new ArgumentException("The trajectory is empty.", nameof(trajectory));
        if (frames < 2)
            throw new ArgumentOutOfRangeException(nameof(frames), frames, "Need at least 2 frames.");
        var picked = EvenlySpaced(trajectory.Count, frames);
        Image<Rgba32>? animation = null;
        try
        {
            foreach (int index in picked)
            {
                using var frame = ImageGrid.From(trajectory[index], columns, scale: scale, low: low, high: high).ToImage().CloneAs<Rgba32>();
                var added = animation is null ? (animation = frame.Clone()).Frames.RootFrame : animation.Frames.AddFrame(frame.Frames.RootFrame);
                added.Metadata.GetGifMetadata().FrameDelay = frameDelayCentiseconds;
            }
            animation!.Frames[animation.Frames.Count - 1].Metadata.GetGifMetadata().FrameDelay = 100;   // hold the result
            animation.Metadata.GetGifMetadata().RepeatCount = 0;                                       // loop forever
            using var stream = new MemoryStream();
            animation.SaveAsGif(stream);
            return new Animation(stream.ToArray(), Strip(trajectory, columns, scale, low, high));
        }
        finally
        {
            animation?.Dispose();
        }
    }

    public string FileExtension => ".gif";

    /// <summary>Writes <see cref="Gif"/>.</summary>
    public void Save(string path) => File.WriteAllBytes(path, Gif);

    /// <summary>
    /// The first row of <see cref="PrintFrames"/> evenly spaced states, one above the other, each labelled with the
    /// number of steps taken to reach it.
    /// </summary>
    private static ImageGrid Strip(IReadOnlyList<Tensor> trajectory, int columns, int scale, float low, float high)
    {
        var picked = EvenlySpaced(trajectory.Count, PrintFrames);
        int shown = (int)Math.Min(columns, trajectory[0].shape[0]);
        using var scope = NewDisposeScope();
        var rows = cat(picked.Select(i => trajectory[i].narrow(0, 0, shown).cpu()).ToList(), 0);        // [frames * shown, C, H, W]
        var labels = picked.Select(i => i == 0 ? "start" : $"after {i} of {trajectory.Count - 1} steps").ToList();
        return ImageGrid.From(rows, shown, scale: scale, low: low, high: high, rowLabels: labels);
    }

    /// <summary>About <paramref name="frames"/> evenly spaced indices into <paramref name="count"/> states, first and last included.</summary>
    private static List<int> EvenlySpaced(int count, int frames) => Enumerable.Range(0, frames)
        .Select(i => (int)Math.Round((double)i * (count - 1) / (frames - 1)))
        .Distinct()
        .ToList();

    /// <summary>The GIF on screen; on a printed page (CSS print media) the strip of frames instead.</summary>
    public string ToHtml() =>
        "<div class=\"diffusion-animation\"><style>@media print{.diffusion-animation>.on-screen{display:none}}" +
        "@media screen{.diffusion-animation>.on-paper{display:none}}</style>" +
        $"<img class=\"on-screen\" src=\"data:image/gif;base64,{Convert.ToBase64String(Gif)}\" style=\"image-rendering:pixelated\"/>" +
        $"<div class=\"on-paper\">{PrintStrip.ToHtml()}</div></div>";
}
