using System.Net;
using System.Security.Cryptography;
using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>ADD of an http URL, served on 127.0.0.1 by the test: fetched, checked with --checksum, cached by it.</summary>
public sealed class BuildAddUrlTests : IDisposable
{
    private const string Content = "remote content\n";
    private readonly BuildFixture fixture = new();
    private readonly HttpListener server = new();
    private readonly string prefix;
    private int requests;

    public BuildAddUrlTests()
    {
        // A free port: bind, read it, release, then listen on it.
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        prefix = $"http://127.0.0.1:{port}/";
        server.Prefixes.Add(prefix);
        server.Start();
        _ = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        server.Close();
        fixture.Dispose();
    }

    private async Task ServeAsync()
    {
        while (server.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await server.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref requests);
            if (context.Request.Url!.AbsolutePath == "/redirect")
            {
                context.Response.StatusCode = 302;
                context.Response.Headers["Location"] = context.Request.QueryString["to"];
                context.Response.Close();
                continue;
            }

            var body = Encoding.UTF8.GetBytes(Content);
            context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/files/data.txt" ? 200 : 404;
            context.Response.Headers["Last-Modified"] = "Wed, 21 Oct 2015 07:28:00 GMT";
            if (context.Response.StatusCode == 200)
            {
                await context.Response.OutputStream.WriteAsync(body);
            }

            context.Response.Close();
        }
    }

    private static string Sha256(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [RootFact]
    public async Task A_url_is_fetched_named_after_its_path_mode_0600_and_cached_by_its_checksum()
    {
        await fixture.ImportBaseAsync();
        var dockerfile = $"FROM box:1\nADD --checksum={Sha256(Content)} {prefix}files/data.txt /downloads/\nRUN stat -c '%a %Y' /downloads/data.txt > /stat\n";

        (await fixture.BuildAsync(dockerfile, "-t", "u:1")).Ok();
        var rootfs = await fixture.UnpackWithUmociAsync("u:1");
        Assert.Equal(Content, File.ReadAllText(Path.Combine(rootfs, "downloads", "data.txt")));
        Assert.Equal("600 1445412480\n", File.ReadAllText(Path.Combine(rootfs, "stat")));

        var before = requests;
        var again = (await fixture.BuildAsync(dockerfile, "-t", "u:1")).Ok();
        Assert.Equal(before, requests);
        Assert.Equal(2, again.Stderr.Split('\n').Count(l => l.EndsWith(" CACHED", StringComparison.Ordinal)));
    }

    [RootFact]
    public async Task A_wrong_checksum_or_a_missing_file_is_a_located_error()
    {
        await fixture.ImportBaseAsync();
        var wrong = await fixture.BuildAsync($"FROM box:1\nADD --checksum={Sha256("other")} {prefix}files/data.txt /x\n");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2005: ADD failed:", wrong.Stderr);
        Assert.Contains("--checksum says", wrong.Stderr);

        var missing = await fixture.BuildAsync($"FROM box:1\nADD {prefix}nothere /x\n");
        Assert.Contains("404", missing.Stderr);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_redirect_to_another_http_url_is_followed()
    {
        await fixture.ImportBaseAsync();

        (await fixture.BuildAsync($"FROM box:1\nADD {prefix}redirect?to=/files/data.txt /data.txt\n", "-t", "r:1")).Ok();

        Assert.Equal(Content, File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("r:1"), "data.txt")));
    }

    [RootTheory]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://127.0.0.1:1/x")]
    [InlineData("ftp://127.0.0.1/x")]
    public async Task A_redirect_to_a_scheme_other_than_http_is_refused_naming_it(string target)
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync($"FROM box:1\nADD {prefix}redirect?to={Uri.EscapeDataString(target)} /x\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2010: ADD failed: ", result.Stderr);
        Assert.Contains($"the server redirects to \"{target}\", and ADD follows redirects only to http(s) URLs", result.Stderr);
        Assert.DoesNotContain("internal error", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        fixture.AssertNothingLeft();
    }
}
