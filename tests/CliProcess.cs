using System.Diagnostics;

namespace Diffusion.Tests;

/// <summary>Runs the built command line (tools/DiffusionCli, built by scripts/setup.sh) as its own process.</summary>
internal static class CliProcess
{
    public static readonly string Dll = Path.Combine(RepoPaths.Root, "tools", "DiffusionCli", "bin", "Release", "net10.0", "diffusion.dll");

    /// <summary>Starts `diffusion ARGUMENTS`, its output read and dropped (so it never blocks on a full pipe).</summary>
    public static Process Start(string[] arguments)
    {
        var process = Process.Start(Info(arguments))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs `diffusion ARGUMENTS` to the end (at most 3 minutes) and returns its exit code and what it wrote to stderr.</summary>
    public static (int ExitCode, string Errors) RunForErrors(string[] arguments)
    {
        var (code, _, errors) = RunToEnd(arguments);
        return (code, errors);
    }

    /// <summary>
    /// Runs `diffusion ARGUMENTS` to the end (at most 3 minutes) and returns its exit code and what it wrote to stdout;
    /// the variables named in <paramref name="unset"/> are removed from the environment it inherits.
    /// </summary>
    public static (int ExitCode, string Output) RunForOutput(string[] arguments, params string[] unset)
    {
        var (code, output, _) = RunToEnd(arguments, unset);
        return (code, output);
    }

    /// <summary>Runs `diffusion ARGUMENTS` to the end (at most 3 minutes), reading both streams so neither pipe fills.</summary>
    private static (int ExitCode, string Output, string Errors) RunToEnd(string[] arguments, params string[] unset)
    {
        var info = Info(arguments);
        foreach (string variable in unset)
            info.Environment.Remove(variable);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(180_000), $"diffusion {string.Join(' ', arguments)} did not finish");
        return (process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>Runs `diffusion ARGUMENTS` to the end (at most 3 minutes) and returns its exit code.</summary>
    public static int Run(string[] arguments)
    {
        using var process = Start(arguments);
        Assert.True(process.WaitForExit(180_000), $"diffusion {string.Join(' ', arguments)} did not finish");
        return process.ExitCode;
    }

    /// <summary>`dotnet diffusion.dll ARGUMENTS` with both output streams redirected.</summary>
    private static ProcessStartInfo Info(string[] arguments)
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing: scripts/setup.sh builds it.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Dll);
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        return info;
    }
}
