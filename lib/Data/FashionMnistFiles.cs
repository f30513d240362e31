using System.Net.Http;

namespace Diffusion.Data;

/// <summary>
/// Where the Fashion-MNIST files come from (Xiao, Rasul and Vollgraf 2017) and what they must contain.
/// Search order: the Debian package <c>dataset-fashion-mnist</c>, then a local copy under the data folder,
/// then a download from the official mirror into the data folder (temp file, validate, rename).
/// </summary>
public static class FashionMnistFiles
{
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";
    public const string DownloadBaseUrl = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    public static IdxFileSpec Images(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => new("train-images-idx3-ubyte.gz", IdxFileSpec.ImagesMagic, [60_000, 28, 28],
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        DatasetSplit.Test => new("t10k-images-idx3-ubyte.gz", IdxFileSpec.ImagesMagic, [10_000, 28, 28],
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    public static IdxFileSpec Labels(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => new("train-labels-idx1-ubyte.gz", IdxFileSpec.LabelsMagic, [60_000],
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        DatasetSplit.Test => new("t10k-labels-idx1-ubyte.gz", IdxFileSpec.LabelsMagic, [10_000],
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>
    /// Returns the path of <paramref name="spec"/>'s gzip file: from the Debian package if installed, else from
    /// <paramref name="dataFolder"/>, downloading it there first if it is missing.
    /// </summary>
    /// <param name="mirror">Where to download from; the official Fashion-MNIST mirror unless given.</param>
    public static string Locate(IdxFileSpec spec, string dataFolder, Action<string>? log = null, Uri? mirror = null)
    {
        string debian = Path.Combine(DebianFolder, spec.FileName);
        if (File.Exists(debian))
            return debian;
        string local = Path.Combine(dataFolder, spec.FileName);
        if (File.Exists(local))
            return local;
        Download(new Uri(mirror ?? new Uri(DownloadBaseUrl), spec.FileName), local, spec, log);
        return local;
    }

    /// <summary>
    /// Reads and validates one Fashion-MNIST file (see <see cref="IdxFile.ReadValidated"/>); the payload, header stripped.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is corrupt or not the expected one; the message adds the Debian package to reinstall, the original
    /// error is the inner exception.
    /// </exception>
    public static byte[] Read(string gzipPath, IdxFileSpec spec)
    {
        try
        {
            return IdxFile.ReadValidated(gzipPath, spec);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(
                $"{e.Message} If it is the copy in {DebianFolder}, reinstall the Debian package 'dataset-fashion-mnist' " +
                $"instead (sudo apt-get install --reinstall dataset-fashion-mnist).", e);
        }
    }

    /// <summary>Downloads to a temp file beside <paramref name="destination"/>, validates it, then renames it into place.</summary>
    private static void Download(Uri url, string destination, IdxFileSpec spec, Action<string>? log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        string temp = $"{destination}.{Environment.ProcessId}.part";
        log?.Invoke($"Downloading {url} -> {destination}");
        try
        {
            using (var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) })
            using (var response = client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                response.EnsureSuccessStatusCode();
                using var output = new FileStream(temp, FileMode.Create, FileAccess.Write);
                response.Content.ReadAsStream().CopyTo(output);
                output.Flush(flushToDisk: true);
            }
            IdxFile.ReadValidated(temp, spec);          // throws (and we clean up) if the download is bad
            File.Move(temp, destination, overwrite: false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new IOException(
                $"Could not find {spec.FileName} (not in {DebianFolder}, not in {Path.GetDirectoryName(destination)}) " +
                $"and the download from {url} failed: {e.Message}. Install the Debian package " +
                $"(sudo apt-get install dataset-fashion-mnist) or copy the file into {Path.GetDirectoryName(destination)}.", e);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
