using Diffusion.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ImageGridTests
{
    [Fact]
    public void Grid_png_has_the_layout_and_maps_the_range_to_black_and_white()
    {
        // Three 2x2 images: all -1 (black), all +1 (white), all 0 (mid grey); 2 columns, 1 px padding, scale 1.
        using var images = stack([full(1, 2, 2, -1f), full(1, 2, 2, 1f), full(1, 2, 2, 0f)]);    // [3, 1, 2, 2]
        var grid = ImageGrid.From(images, columns: 2, scale: 1);

        using var png = Image.Load<L8>(grid.Png);
        Assert.Equal(2 * 3 + 1, png.Width);           // columns * (w + pad) + pad
        Assert.Equal(2 * 3 + 1, png.Height);          // rows * (h + pad) + pad
        Assert.Equal(0, png[1, 1].PackedValue);       // first image, top-left pixel
        Assert.Equal(255, png[4, 1].PackedValue);     // second image
        Assert.Equal(128, png[1, 4].PackedValue);     // third image: (0 + 1) / 2 * 255 = 127.5, rounded to even
        Assert.Equal(64, png[0, 0].PackedValue);      // padding
    }

    [Fact]
    public void Scale_enlarges_by_whole_pixels()
    {
        using var images = zeros(4, 1, 28, 28, dtype: ScalarType.Byte);
        var grid = ImageGrid.From(images, columns: 4, scale: 2);
        Assert.Equal((4 * 29 + 1) * 2, grid.Width);
        Assert.Equal(29 * 2 + 2, grid.Height);
    }

    [Fact]
    public void Captions_render_escaped_once_per_image()
    {
        using var images = zeros(2, 3, 4, 4);
        string html = ImageGrid.From(images, captions: ["T-shirt/top", "<b>"]).ToHtml();
        Assert.Equal(2, html.Split("<figcaption").Length - 1);
        Assert.Contains("&lt;b&gt;", html);
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        using var flat = zeros(3, 28, 28);
        Assert.Throws<ArgumentException>(() => ImageGrid.From(flat));
        using var images = zeros(2, 1, 4, 4);
        Assert.Throws<ArgumentException>(() => ImageGrid.From(images, captions: ["one"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.From(images, columns: 0));
    }

    [Fact]
    public void Row_labels_stand_left_of_each_row_and_must_match_the_row_count()
    {
        using var images = rand(6, 1, 4, 4);
        var grid = ImageGrid.From(images, columns: 3, scale: 3, rowLabels: ["t = 999", "t <0>"]);
        string html = grid.ToHtml();
        Assert.Contains(">t = 999</div>", html);
        Assert.Contains(">t &lt;0&gt;</div>", html);
        Assert.Equal(2, html.Split("<img ").Length - 1);                                         // one strip per row
        Assert.Equal(3 * (3 * (4 + 1) + 1), grid.Width);                                        // the saved PNG is unchanged
        var captioned = ImageGrid.From(images, columns: 3, captions: ["a", "b", "c", "d", "e", "f"], rowLabels: ["one", "two"]);
        Assert.Contains(">one</div>", captioned.ToHtml());
        Assert.Throws<ArgumentException>(() => ImageGrid.From(images, columns: 3, rowLabels: ["only one"]));
    }
}

public class AnimationTests
{
    /// <summary>
    /// A trajectory of 11 states (x_T after 0 steps .. x_0 after 10): on paper the animation is a strip of six of them,
    /// the first row of each, labelled by the steps taken; on screen the GIF.
    /// </summary>
    [Fact]
    public void A_printed_page_gets_a_strip_of_frames_instead_of_the_first_frame()
    {
        var states = Enumerable.Range(0, 11).Select(i => full(4, 1, 2, 2, -1f + 0.2f * i)).ToList();   // 4 images per state
        var animation = Animation.FromTrajectory(states, columns: 2, scale: 1, frames: 11);
        Assert.Equal(2, animation.PrintStrip.Columns);                                                      // the first row only
        string html = animation.ToHtml();
        Assert.Contains("@media print{.diffusion-animation>.on-screen{display:none}}", html);
        Assert.Contains("class=\"on-screen\" src=\"data:image/gif;base64,", html);
        Assert.Equal(["start", "after 2 of 10 steps", "after 4 of 10 steps", "after 6 of 10 steps", "after 8 of 10 steps",
            "after 10 of 10 steps"], System.Text.RegularExpressions.Regex.Matches(html, ">(start|after [^<]*)<").Select(m => m.Groups[1].Value));
        foreach (var state in states)
            state.Dispose();
    }
}

