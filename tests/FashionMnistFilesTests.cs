using System.Net;
using System.Net.Sockets;
using Diffusion.Data;

namespace Diffusion.Tests;

/// <summary>Downloads go through a local HTTP server on 127.0.0.1 serving synthetic files.</summary>
public class FashionMnistFilesTests
{
    private static readonly byte[] Payload = IdxFileTests.IdxBytes(IdxFileSpec.LabelsMagic, [4], [1, 2, 3, 4]);
    private static readonly IdxFileSpec Spec = new("tiny-labels-idx1-ubyte.gz", IdxFileSpec.LabelsMagic, [4], IdxFileTests.Sha256(Payload));

    [Fact]
    public void Download_lands_a_validated_file_and_nothing_else()
    {
        using var temp = new TempFolder();
        using var server = new OneFileServer(Gzip(Payload));
        string path = FashionMnistFiles.Locate(Spec, temp.Path, mirror: server.Url);
        Assert.Equal(Path.Combine(temp.Path, Spec.FileName), path);
        Assert.Equal([1, 2, 3, 4], IdxFile.ReadValidated(path, Spec));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Corrupt_download_leaves_nothing_behind()
    {
        var tampered = (byte[])Payload.Clone();
        tampered[^1] = 9;
        using var temp = new TempFolder();
        using var server = new OneFileServer(Gzip(tampered));
        Assert.Throws<InvalidDataException>(() => FashionMnistFiles.Locate(Spec, temp.Path, mirror: server.Url));
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Failed_download_explains_the_fix_and_leaves_nothing_behind()
    {
        using var temp = new TempFolder();
        using var server = new OneFileServer(null);          // answers 404
        var error = Assert.Throws<IOException>(() => FashionMnistFiles.Locate(Spec, temp.Path, mirror: server.Url));
        Assert.Contains(Spec.FileName, error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void An_existing_local_copy_is_used_without_downloading()
    {
        using var temp = new TempFolder();
        string local = IdxFileTests.WriteGzip(temp.File(Spec.FileName), Payload);
        var unreachable = new Uri("http://127.0.0.1:9/");    // discard port: any request would fail
        Assert.Equal(local, FashionMnistFiles.Locate(Spec, temp.Path, mirror: unreachable));
    }

    [Fact]
    public void A_corrupt_file_names_the_Debian_package_and_keeps_the_generic_error_inside()
    {
        var tampered = (byte[])Payload.Clone();
        tampered[^1] = 9;
        using var temp = new TempFolder();
        string path = IdxFileTests.WriteGzip(temp.File(Spec.FileName), tampered);
        var error = Assert.Throws<InvalidDataException>(() => FashionMnistFiles.Read(path, Spec));
        Assert.Contains(path, error.Message);
        Assert.Contains("SHA-256", error.Message);
        Assert.Contains("Delete it", error.Message);
        Assert.Contains("'dataset-fashion-mnist'", error.Message);
        var generic = Assert.IsType<InvalidDataException>(error.InnerException);
        Assert.DoesNotContain("fashion", generic.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Debian", generic.Message);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var temp = new TempFolder();
        return File.ReadAllBytes(IdxFileTests.WriteGzip(temp.File("x.gz"), bytes));
    }

    /// <summary>Serves one body for every GET (or 404 when null) on a free loopback port.</summary>
    private sealed class OneFileServer : IDisposable
    {
        private readonly HttpListener _listener = new();

        public OneFileServer(byte[]? body)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    context.Response.StatusCode = body is null ? 404 : 200;
                    if (body is not null)
                        await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public void Dispose() => _listener.Close();
    }
}
