using ImageBuilder.Registry.Tests.Fixtures;

namespace ImageBuilder.Registry.Tests;

/// <summary>A blob pull whose connection drops mid-way resumes with a Range request.</summary>
public sealed class ResumeTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    [RegistryFact]
    public async Task A_dropped_blob_download_resumes_from_the_last_byte_and_verifies()
    {
        var repository = Clients.Repository("resume");
        var blob = TestBlob.Random(1_000_000, seed: 40);
        using (var direct = Clients.For(fixture.Server))
        {
            await direct.PushBlobAsync(repository, blob.Descriptor, blob.Content);
        }

        using var proxy = new CuttingProxy(fixture.Server.Port, cutAfter: 300_000);
        using var client = new RegistryClient(proxy.Host, new RegistryClientOptions { Retry = Clients.FastRetry });
        using var pulled = new MemoryStream();

        var size = await client.PullBlobAsync(repository, blob.Descriptor, pulled);

        Assert.Equal(1, proxy.Cuts);
        Assert.Equal(blob.Content.Length, size);
        Assert.Equal(blob.Content, pulled.ToArray());
        var resumedFrom = System.Text.RegularExpressions.Regex.Match(proxy.Requests, @"Range: bytes=(\d+)-", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        Assert.True(resumedFrom.Success, proxy.Requests);
        var offset = long.Parse(resumedFrom.Groups[1].Value);
        Assert.InRange(offset, 1, 300_000);
    }
}
