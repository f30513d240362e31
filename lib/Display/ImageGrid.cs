using System.Net;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// A batch of images laid out in a grid, shown inline as a PNG when it is the value of a notebook cell and
/// saved as a .png with <see cref="Save"/>. Float tensors are read as values in <c>range</c> (default [-1, 1], the
/// course's data range) and clamped; uint8 tensors are taken as 0..255 pixels.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class ImageGrid : IHtmlView, IFigure
{
    private const byte PaddingShade = 64;

    private readonly byte[][] _tiles;       // one PNG per image, used for captioned layouts
    private readonly IReadOnlyList<string>? _captions;
    private readonly IReadOnlyList<string>? _rowLabels;
    private readonly byte[][] _rowStrips;   // one PNG per row of the grid, used when rows are labelled
    private readonly byte[] _grid;          // unscaled pixels [height, width, channels]
    private readonly int _channels;
    private readonly int _scale;

    private ImageGrid(byte[] grid, int channels, int scale, byte[][] tiles, IReadOnlyList<string>? captions, int columns, int width, int height,
        IReadOnlyList<string>? rowLabels, byte[][] rowStrips)
    {
        _grid = grid;
        _channels = channels;
        _scale = scale;
        _tiles = tiles;
        _captions = captions;
        _rowLabels = rowLabels;
        _rowStrips = rowStrips;
        Columns = columns;
        Width = width;
        Height = height;
        Png = Encode(ToImage(), image => image.SaveAsPng);
    }

    /// <summary>The whole grid encoded as PNG.</summary>
    public byte[] Png { get; }

    public int Columns { get; }
    public int Width { get; }
    public int Height { get; }

    /// <param name="images">[B, C, H, W] with C = 1 (grey) or 3 (RGB), on any device.</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="captions">Optional text under each image (e.g. class names), one per image.</param>
    /// <param name="scale">Each pixel becomes a scale x scale block (28 px images are tiny at 1x).</param>
    /// <param name="rowLabels">Optional text left of each row (e.g. "t = 800", "DDIM, 20 steps"), one per row; shown in
    /// the notebook, not drawn into the saved PNG.</param>
    /// <param name="low">Value shown as black for float input.</param>
    /// <param name="high">Value shown as white for float input.</param>
    public static ImageGrid From(Tensor images, int columns = 8, IReadOnlyList<string>? captions = null,
        int scale = 3, float low = -1f, float high = 1f, IReadOnlyList<string>? rowLabels = null)
    {
        if (images.dim() != 4 || (images.shape[1] != 1 && images.shape[1] != 3))
            throw new ArgumentException($"Expected images [B, 1 or 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        if (columns < 1 || scale < 1)
            throw new ArgumentOutOfRangeException(columns < 1 ? nameof(columns) : nameof(scale), "Must be at least 1.");
        if (!(high > low))
            throw new ArgumentException($"high ({high}) must be greater than low ({low}).", nameof(high));
        int count = (int)images.shape[0], channels = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        if (captions is not null && captions.Count != count)
            throw new ArgumentException($"{captions.Count} captions for {count} images.", nameof(captions));

        int rows = (count + columns - 1) / columns;
        if (rowLabels is not null && rowLabels.Count != rows)
            throw new ArgumentException($"{rowLabels.Count} row labels for {rows} rows of {columns} images.", nameof(rowLabels));
        byte[] source = ToBytes(images, low, high);                                         // [B, C, H, W] 0..255
        const int pad = 1;
        int gridW = columns * (w + pad) + pad, gridH = rows * (h + pad) + pad;
        var grid = new byte[gridH * gridW * channels];
        Array.Fill(grid, PaddingShade);
        var tiles = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            int top = pad + (i / columns) * (h + pad), left = pad + (i % columns) * (w + pad);
            var tile = new byte[h * w * channels];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        byte v = source[((i * channels + c) * h + y) * w + x];
                        grid[((top + y) * gridW + left + x) * channels + c] = v;
                        tile[(y * w + x) * channels + c] = v;
                    }
            tiles[i] = captions is null ? [] : Encode(Scaled(tile, w, h, channels, scale), image => image.SaveAsPng);
        }
        var rowStrips = new byte[rowLabels is null || captions is not null ? 0 : rows][];
        for (int r = 0; r < rowStrips.Length; r++)                                          // rows cut out of the grid, padding included
        {
            int top = r * (h + pad), stripH = h + 2 * pad;
            rowStrips[r] = Encode(Scaled(grid[(top * gridW * channels)..((top + stripH) * gridW * channels)], gridW, stripH, channels, scale),
                image => image.SaveAsPng);
        }
        return new ImageGrid(grid, channels, scale, tiles, captions, columns, gridW * scale, gridH * scale, rowLabels, rowStrips);
    }

    public string FileExtension => ".png";

    /// <summary>Writes <see cref="Png"/>.</summary>
    public void Save(string path) => File.WriteAllBytes(path, Png);

    public string ToHtml()
    {
        const string label = "font-size:12px;text-align:right;padding-right:6px;white-space:nowrap";
        if (_rowLabels is not null && _captions is null)
            return "<div style=\"display:grid;grid-template-columns:max-content max-content;align-items:center\">" + string.Concat(_rowStrips.Select((png, r) =>
                $"<div style=\"{label}\">{WebUtility.HtmlEncode(_rowLabels[r])}</div>" +
                $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" style=\"image-rendering:pixelated;display:block\"/>")) + "</div>";
        if (_captions is null)
            return $"<img src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\" width=\"{Width}\" height=\"{Height}\" style=\"image-rendering:pixelated\"/>";
        var cells = _tiles.Select((png, i) =>
            (_rowLabels is not null && i % Columns == 0 ? $"<div style=\"{label};align-self:center\">{WebUtility.HtmlEncode(_rowLabels[i / Columns])}</div>" : "") +
            $"<figure style=\"margin:2px;text-align:center\"><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" style=\"image-rendering:pixelated\"/>" +
            $"<figcaption style=\"font-size:11px\">{WebUtility.HtmlEncode(_captions[i])}</figcaption></figure>");
        string labelColumn = _rowLabels is null ? "" : "max-content ";
        return $"<div style=\"display:grid;grid-template-columns:{labelColumn}repeat({Columns},max-content);gap:2px\">{string.Concat(cells)}</div>";
    }

    /// <summary>Pixels as bytes 0..255 in [B, C, H, W] order: uint8 as is, floats mapped from [low, high] and clamped.</summary>
    private static byte[] ToBytes(Tensor images, float low, float high)
    {
        using var scope = NewDisposeScope();
        var x = images.detach().cpu();
        if (x.dtype != ScalarType.Byte)
            x = ((x.to_type(ScalarType.Float32) - low) / (high - low) * 255f).round().clamp(0, 255).to_type(ScalarType.Byte);
        return x.contiguous().data<byte>().ToArray();
    }

    /// <summary>The grid as an ImageSharp image (grey or RGB), scaled; the caller disposes it.</summary>
    public Image ToImage() => Scaled(_grid, Width / _scale, Height / _scale, _channels, _scale);

    private static Image Scaled(byte[] pixels, int width, int height, int channels, int scale)
    {
        int sw = width * scale, sh = height * scale;
        var scaled = new byte[sw * sh * channels];
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
                for (int c = 0; c < channels; c++)
                    scaled[(y * sw + x) * channels + c] = pixels[((y / scale) * width + x / scale) * channels + c];
        return channels == 1 ? Image.LoadPixelData<L8>(scaled, sw, sh) : Image.LoadPixelData<Rgb24>(scaled, sw, sh);
    }

    private static byte[] Encode(Image image, Func<Image, Action<Stream>> save)
    {
        using (image)
        using (var stream = new MemoryStream())
        {
            save(image)(stream);
            return stream.ToArray();
        }
    }
}
