using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>RUN --mount: cache, bind (context, stage), tmpfs and secret mounts, seen from inside the step and in the image.</summary>
public sealed class BuildRunMountTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_run_heredoc_with_a_shebang_runs_as_its_own_script_from_dev_pipes_and_leaves_nothing_in_the_image()
    {
        await fixture.ImportBaseAsync();
        const string dockerfile = "FROM box:1\nRUN <<EOF\n#!/bin/sh -e\necho \"$0\" > /ran-as\n[ -x \"$0\" ] && ! touch \"$0\" 2>/dev/null && echo read-only >> /ran-as\nEOF\n";

        (await fixture.BuildAsync(dockerfile, "-t", "script:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("script:1");
        Assert.Equal("/dev/pipes/EOF\nread-only\n", File.ReadAllText(Path.Combine(rootfs, "ran-as")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(rootfs, "dev")));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_cache_mount_keeps_its_content_between_builds_and_stays_out_of_the_image()
    {
        await fixture.ImportBaseAsync();
        const string dockerfile = "FROM box:1\nRUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count\n";
        (await fixture.BuildAsync(dockerfile, "-t", "m:1")).Ok();
        (await fixture.BuildAsync(dockerfile, "-t", "m:2", "--no-cache")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("m:2");
        Assert.Equal("2", File.ReadAllText(Path.Combine(rootfs, "count")).Trim());
        Assert.False(Directory.Exists(Path.Combine(rootfs, "var", "cache")), "the mount point is a stub, removed from the layer");
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_context_bind_is_read_only_honours_dockerignore_and_its_content_is_in_the_key()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("src/a.txt", "version 1\n");
        fixture.Write("src/secret.txt", "ignored\n");
        fixture.Write("other.txt", "unrelated\n");
        fixture.Write(".dockerignore", "src/secret.txt\n");
        const string dockerfile = """
            FROM box:1
            RUN --mount=type=bind,source=src,target=/src cat /src/a.txt > /out && (touch /src/new 2>/dev/null && echo writable || echo read-only) > /mode && (test -e /src/secret.txt && echo leaked || echo hidden) > /ignored
            """;
        (await fixture.BuildAsync(dockerfile, "-t", "b:1")).Ok();
        var rootfs = await fixture.UnpackWithUmociAsync("b:1");
        Assert.Equal("version 1\n", File.ReadAllText(Path.Combine(rootfs, "out")));
        Assert.Equal("read-only\n", File.ReadAllText(Path.Combine(rootfs, "mode")));
        Assert.Equal("hidden\n", File.ReadAllText(Path.Combine(rootfs, "ignored")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "src")));

        fixture.Write("other.txt", "changed, not bound\n");
        var same = (await fixture.BuildAsync(dockerfile, "-t", "b:2")).Ok();
        Assert.Contains(" CACHED", same.Stderr);
        fixture.Write("src/a.txt", "version 2\n");
        var changed = (await fixture.BuildAsync(dockerfile, "-t", "b:3")).Ok();
        Assert.DoesNotContain(" CACHED", changed.Stderr);
        Assert.Equal("version 2\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("b:3"), "out")));
    }

    [RootFact]
    public async Task Bind_from_a_stage_tmpfs_and_rw_binds_leave_nothing_in_the_image()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("data.txt", "context data\n");
        (await fixture.BuildAsync("""
            FROM box:1 AS build
            RUN mkdir /out && echo built > /out/artifact
            FROM box:1
            RUN --mount=type=bind,from=build,source=/out,target=/in cp /in/artifact /artifact
            RUN --mount=type=tmpfs,target=/scratch echo x > /scratch/f && grep -q ' /scratch tmpfs ' /proc/mounts && echo tmpfs > /seen
            RUN --mount=type=bind,target=/ctx,rw echo scribble > /ctx/data.txt && cat /ctx/data.txt > /written
            """, "-t", "s:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("s:1");
        Assert.Equal("built\n", File.ReadAllText(Path.Combine(rootfs, "artifact")));
        Assert.Equal("tmpfs\n", File.ReadAllText(Path.Combine(rootfs, "seen")));
        Assert.Equal("scribble\n", File.ReadAllText(Path.Combine(rootfs, "written")));
        Assert.Equal("context data\n", File.ReadAllText(Path.Combine(fixture.Context, "data.txt")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "in")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "scratch")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "ctx")));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_secret_is_readable_in_the_step_only_and_never_reaches_a_layer()
    {
        await fixture.ImportBaseAsync();
        var secretFile = Path.Combine(fixture.Context, "..", "token");
        File.WriteAllText(secretFile, "s3cr3t-value");
        (await fixture.BuildAsync(
            "FROM box:1\nRUN --mount=type=secret,id=token wc -c < /run/secrets/token > /length && stat -c '%a %u' /run/secrets/token > /mode\n",
            "-t", "sec:1", "--secret", $"id=token,src={secretFile}")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("sec:1");
        Assert.Equal("400 0\n", File.ReadAllText(Path.Combine(rootfs, "mode")));
        Assert.Equal("12", File.ReadAllText(Path.Combine(rootfs, "length")).Trim());
        Assert.False(Directory.Exists(Path.Combine(rootfs, "run", "secrets")));
        var archive = Path.Combine(fixture.Context, "..", "sec.tar");
        (await Tools.Ibuild("--root", fixture.Store, "save", "-o", archive, "sec:1")).Ok();
        var grep = await Tools.Run("sh", "-c", $"tar -xOf {archive} | zcat -f 2>/dev/null | grep -c s3cr3t-value");
        Assert.Equal("0", grep.Stdout.Trim());

        var missing = await fixture.BuildAsync("FROM box:1\nRUN --mount=type=secret,id=absent,required cat /run/secrets/absent\n");
        Assert.Contains("Dockerfile:2:1: IB2005: secret absent is required", missing.Stderr);
    }
}
