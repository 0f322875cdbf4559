using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary><c>ibuild build --build-context NAME=VALUE</c> for real: a directory, an image of the store, and OCI layouts written by skopeo and by ibuild.</summary>
public sealed class BuildNamedContextTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory outside = new("ibuild-named-");

    public void Dispose()
    {
        fixture.Dispose();
        outside.Dispose();
    }

    private string WriteOutside(string relative, string content)
    {
        var path = outside.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    [RootFact]
    public async Task A_directory_context_is_copied_and_mounted_with_its_own_dockerignore_and_cached_by_its_content()
    {
        await fixture.ImportBaseAsync();
        WriteOutside("lib/util.txt", "lib v1\n");
        WriteOutside("lib/notes.md", "left out\n");
        WriteOutside("lib/.dockerignore", "*.md\n");
        var lib = "lib=" + outside.Combine("lib");
        const string dockerfile = """
            FROM box:1
            COPY --from=lib . /opt/lib/
            RUN --mount=from=lib,target=/mnt cat /mnt/util.txt > /mounted
            """;

        (await fixture.BuildAsync(dockerfile, "--build-context", lib, "-t", "n:1")).Ok();
        var rootfs = await fixture.UnpackWithUmociAsync("n:1");
        Assert.Equal("lib v1\n", File.ReadAllText(Path.Combine(rootfs, "opt/lib/util.txt")));
        Assert.Equal("lib v1\n", File.ReadAllText(Path.Combine(rootfs, "mounted")));
        Assert.False(File.Exists(Path.Combine(rootfs, "opt/lib/notes.md")));

        WriteOutside("lib/notes.md", "ignored, so no change\n");
        var same = (await fixture.BuildAsync(dockerfile, "--build-context", lib, "-t", "n:2")).Ok();
        Assert.Contains("COPY --from=lib . /opt/lib/\n#2 CACHED", same.Stderr);
        Assert.Equal(await fixture.IdAsync("n:1"), await fixture.IdAsync("n:2"));

        WriteOutside("lib/util.txt", "lib v2\n");
        var changed = (await fixture.BuildAsync(dockerfile, "--build-context", lib, "-t", "n:3")).Ok();
        Assert.DoesNotContain(" CACHED", changed.Stderr);
        Assert.Equal("lib v2\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("n:3"), "mounted")));
    }

    [RootFact]
    public async Task A_docker_image_context_overrides_the_image_FROM_names_and_a_directory_context_can_be_a_stages_root()
    {
        await fixture.ImportBaseAsync();
        WriteOutside("root/etc/motd", "from a directory\n");
        const string dockerfile = """
            FROM files AS data
            FROM alpine:3.18
            COPY --from=data /etc/motd /motd
            RUN cat /motd > /seen
            """;

        (await fixture.BuildAsync(dockerfile, "--pull=never", "--build-context", "alpine:3.18=docker-image://box:1",
            "--build-context", "files=" + outside.Combine("root"), "-t", "o:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("o:1");
        Assert.Equal("from a directory\n", File.ReadAllText(Path.Combine(rootfs, "seen")));
        Assert.True(File.Exists(Path.Combine(rootfs, "bin", "busybox")), "the base is box:1, not alpine");
    }

    [RootFact]
    public async Task An_oci_layout_from_skopeo_picks_its_image_by_tag_and_replaces_a_stage()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nRUN echo one > /which\n", "-t", "one:1")).Ok();
        (await fixture.BuildAsync("FROM box:1\nRUN echo two > /which\n", "-t", "two:1")).Ok();
        var layout = outside.Combine("layout");
        foreach (var (name, tag) in new[] { ("one:1", "first"), ("two:1", "second") })
        {
            var archive = outside.Combine(tag + ".tar");
            (await fixture.Ibuild("--root", fixture.Store, "save", "--format", "oci", "-o", archive, name)).Ok();
            (await Tools.Run("skopeo", "copy", $"oci-archive:{archive}", $"oci:{layout}:{tag}")).Ok();
        }

        const string dockerfile = """
            FROM golang:1.22 AS build
            RUN exit 1
            FROM build
            RUN cp /which /copied
            """;
        (await fixture.BuildAsync(dockerfile, "--pull=never", "--build-context", $"build=oci-layout://{layout}:second", "-t", "l:1")).Ok();

        Assert.Equal("two\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("l:1"), "copied")));
        var untagged = await fixture.BuildAsync(dockerfile, "--build-context", $"build=oci-layout://{layout}");
        Assert.Equal(2, untagged.ExitCode);
        Assert.Contains("no image tagged \"latest\"", untagged.Stderr);
    }

    [RootFact]
    public async Task An_oci_export_of_ibuild_unpacked_is_a_context_COPY_from_reads()
    {
        await fixture.ImportBaseAsync();
        var archive = outside.Combine("tool.tar");
        (await fixture.BuildAsync("FROM box:1\nRUN echo tool > /tool\n", "-o", $"type=oci,dest={archive}")).Ok();
        var layout = Directory.CreateDirectory(outside.Combine("tool")).FullName;
        (await Tools.Run("tar", "-xf", archive, "-C", layout)).Ok();

        (await fixture.BuildAsync("FROM box:1\nCOPY --from=tool /tool /from-layout\n", "--build-context", $"tool=oci-layout://{layout}", "-t", "t:1")).Ok();

        Assert.Equal("tool\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("t:1"), "from-layout")));
    }
}
