using Diffusion.Course;
using Diffusion.Display;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class LessonFiguresTests
{
    private static CourseSettings SettingsIn(TempFolder temp) => CourseSettings.FromEnvironment() with { OutputFolder = temp.Path };

    [Fact]
    public void Show_saves_each_kind_under_its_extension_and_returns_the_figure()
    {
        using var temp = new TempFolder();
        var figures = SettingsIn(temp).Figures("01_noise_schedules");
        string folder = Path.Combine(temp.Path, "figures", "01_noise_schedules");
        Assert.Equal(folder, figures.Folder);
        Assert.False(Directory.Exists(folder));                // made by the first save, not before

        var chart = Charts.Lines("betas", "t", "beta", new LineSeries("linear", [0, 1], [0.1, 0.2]));
        using var images = zeros(2, 1, 4, 4);
        var grid = ImageGrid.From(images, columns: 2, scale: 1);
        var animation = Animation.FromTrajectory([images, images], columns: 2, scale: 1, frames: 2);

        Assert.Same(chart, figures.Show(chart, "betas"));
        Assert.Same(grid, figures.Show(grid, "grid"));
        Assert.Same(animation, figures.Show(animation, "trajectory"));

        Assert.Equal(["betas.html", "grid.png", ChartPage.PlotlyJsFile, "trajectory.gif"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(Path.Combine(folder, "betas.html")));
        Assert.Equal(grid.Png, File.ReadAllBytes(Path.Combine(folder, "grid.png")));
        Assert.Equal(animation.Gif, File.ReadAllBytes(Path.Combine(folder, "trajectory.gif")));
    }

    [Fact]
    public void A_name_may_repeat_the_figures_own_extension_and_Save_returns_the_path()
    {
        using var temp = new TempFolder();
        var figures = SettingsIn(temp).Figures("00_setup");
        using var images = zeros(1, 1, 2, 2);
        string path = figures.Save(ImageGrid.From(images), "grid.PNG");
        Assert.Equal(Path.Combine(temp.Path, "figures", "00_setup", "grid.PNG"), path);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("..")]
    [InlineData("sub/betas")]
    [InlineData("sub\\betas")]
    [InlineData("../betas")]
    [InlineData("betas.png")]                                  // a chart is saved as .html
    public void Bad_names_are_rejected_before_anything_is_written(string name)
    {
        using var temp = new TempFolder();
        var figures = SettingsIn(temp).Figures("01_noise_schedules");
        var chart = Charts.Bars("counts", "class", "n", ["x"], [1]);
        var error = Assert.Throws<ArgumentException>(() => figures.Show(chart, name));
        Assert.Equal("name", error.ParamName);
        Assert.False(Directory.Exists(figures.Folder));
    }

    [Fact]
    public void A_disagreeing_extension_is_named_in_the_error()
    {
        using var temp = new TempFolder();
        using var images = zeros(1, 1, 2, 2);
        var error = Assert.Throws<ArgumentException>(() => SettingsIn(temp).Figures("00_setup").Show(ImageGrid.From(images), "grid.html"));
        Assert.Contains("'.html'", error.Message);
        Assert.Contains("'.png'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("figures/01")]
    public void Bad_lesson_names_are_rejected(string lesson)
    {
        using var temp = new TempFolder();
        Assert.Throws<ArgumentException>(() => SettingsIn(temp).Figures(lesson));
    }
}
