using System.Text.RegularExpressions;

namespace Diffusion.Tests;

/// <summary>
/// The library's folders are its namespaces (lib/Ddpm is Diffusion.Ddpm), and they depend on each other without a cycle,
/// so each can be read, tested and explained on top of the ones below it.
/// </summary>
public class LibraryLayoutTests
{
    private static readonly string Lib = Path.Combine(RepoPaths.Root, "lib");

    /// <summary>Namespace -> the Diffusion namespaces its files use (by a using directive or a qualified name).</summary>
    private static Dictionary<string, SortedSet<string>> Dependencies()
    {
        var graph = new Dictionary<string, SortedSet<string>>();
        foreach (string file in Directory.EnumerateFiles(Lib, "*.cs", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file);
            string own = Regex.Match(text, @"^namespace (Diffusion\.\w+);", RegexOptions.Multiline).Groups[1].Value;
            Assert.False(own == "", $"{file} has no file-scoped Diffusion namespace");
            var used = graph.TryGetValue(own, out var set) ? set : graph[own] = [];
            foreach (Match m in Regex.Matches(text, @"\b(Diffusion\.(?:Applications|Course|Data|Ddpm|Display|Evaluation|Models|Runtime|Sampling|Storage|Training))\b"))
                if (m.Groups[1].Value != own)
                    used.Add(m.Groups[1].Value);
        }
        return graph;
    }

    [Fact]
    public void Every_folder_is_its_namespace()
    {
        foreach (string file in Directory.EnumerateFiles(Lib, "*.cs", SearchOption.AllDirectories))
        {
            string folder = Path.GetFileName(Path.GetDirectoryName(file)!);
            Assert.Contains($"namespace Diffusion.{folder};", File.ReadAllText(file));
        }
    }

    [Fact]
    public void Namespaces_depend_on_each_other_without_a_cycle()
    {
        var graph = Dependencies();
        var state = new Dictionary<string, int>();                                 // 1 = on the current path, 2 = done
        var path = new Stack<string>();
        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (string next in graph.GetValueOrDefault(node, []))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var cycle = path.Reverse().SkipWhile(n => n != next).Append(next);
                    Assert.Fail("namespace cycle: " + string.Join(" -> ", cycle));
                }
                if (state.GetValueOrDefault(next) == 0)
                    Visit(next);
            }
            path.Pop();
            state[node] = 2;
        }
        foreach (string node in graph.Keys)
            if (state.GetValueOrDefault(node) == 0)
                Visit(node);
    }
}
