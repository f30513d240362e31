using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// An animated GIF of image grids, e.g. a denoising trajectory from pure noise to samples. Shown inline as the value
/// of a cell; <see cref="Save"/> writes the .gif.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class Animation : IHtmlView, IFigure
{
    private Animation(byte[] gif) => Gif = gif;

    public byte[] Gif { get; }

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
        var picked = Enumerable.Range(0, frames)
            .Select(i => (int)Math.Round((double)i * (trajectory.Count - 1) / (frames - 1)))
            .Distinct()
            .ToList();
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
            return new Animation(stream.ToArray());
        }
        finally
        {
            animation?.Dispose();
        }
    }

    public string FileExtension => ".gif";

    /// <summary>Writes <see cref="Gif"/>.</summary>
    public void Save(string path) => File.WriteAllBytes(path, Gif);

    public string ToHtml() => $"<img src=\"data:image/gif;base64,{Convert.ToBase64String(Gif)}\" style=\"image-rendering:pixelated\"/>";
}
