using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// An OCI layout is read only when the command line names it (<c>--build-context
/// NAME=oci-layout://PATH</c>): a Dockerfile that writes <c>FROM oci-layout:///host/path@sha256:…</c>
/// or <c>COPY --from=oci-layout://…</c> itself must not read a layout on the host (another user's
/// image, a CI cache) into its image.
/// </summary>
public sealed class OciLayoutReferenceEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory dir = new("ibuild-it-layout-escape-");

    public void Dispose()
    {
        fixture.Dispose();
        dir.Dispose();
    }

    [RootFact]
    public async Task A_Dockerfile_cannot_name_a_layout_on_the_host()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nRUN echo secretdata > /secret.txt\n", "-t", "private:1")).Ok();
        var archive = dir.Combine("private.tar");
        (await fixture.Ibuild("--root", fixture.Store, "save", "--format", "oci", "-o", archive, "private:1")).Ok();
        var layout = dir.Combine("layout");
        (await Tools.Run("skopeo", "copy", $"oci-archive:{archive}", $"oci:{layout}:private")).Ok();
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(layout, "index.json")));
        var digest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString();

        foreach (var dockerfile in new[]
        {
            $"FROM oci-layout://{layout}@{digest}\nRUN cat /secret.txt\n",
            $"FROM box:1\nCOPY --from=oci-layout://{layout}@{digest} /secret.txt /stolen\n",
            $"FROM box:1\nRUN --mount=from=oci-layout://{layout}@{digest},target=/m cat /m/secret.txt\n",
            "FROM oci-layout://foo\n",
        })
        {
            var result = await fixture.BuildAsync(dockerfile, "-t", "thief:1");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("IB2002", result.Stderr);
            Assert.Contains("read only from a --build-context value", result.Stderr);
            Assert.DoesNotContain("secretdata", result.Stderr);
            Assert.DoesNotContain("internal error", result.Stderr);
        }
    }
}
