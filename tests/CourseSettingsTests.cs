using Diffusion.Course;

namespace Diffusion.Tests;

public class CourseSettingsTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("TRUE", true)]
    [InlineData(" yes ", true)]
    public void Quick_flag_values(string? value, bool expected) => Assert.Equal(expected, CourseSettings.ParseQuick(value));

    [Fact]
    public void Quick_flag_rejects_anything_else_naming_the_variable()
    {
        var error = Assert.Throws<ArgumentException>(() => CourseSettings.ParseQuick("fast"));
        Assert.Contains(CourseSettings.QuickVariable, error.Message);
    }

    [Fact]
    public void Choose_picks_by_mode_and_paths_live_in_the_checkout()
    {
        var settings = CourseSettings.FromEnvironment() with { OutputFolder = Path.Combine(Path.GetTempPath(), "diffusion-settings-test") };
        Assert.Equal(60_000, (settings with { Quick = false }).Choose(full: 60_000, quick: 500));
        Assert.Equal(500, (settings with { Quick = true }).Choose(full: 60_000, quick: 500));
        Assert.Equal(RepoPaths.Root, settings.RepositoryRoot);
        Assert.Equal(Path.Combine(settings.OutputFolder, "figures", "00_setup"), settings.Figures("00_setup").Folder);
    }
}

public class NativeMemoryTests
{
    [Fact]
    public void Malloc_keeps_freed_memory_on_glibc_Linux()
    {
        if (!OperatingSystem.IsLinux())
            return;
        Assert.True(Diffusion.Runtime.NativeMemory.Tuned, "mallopt was not applied when the library loaded");
    }
}
