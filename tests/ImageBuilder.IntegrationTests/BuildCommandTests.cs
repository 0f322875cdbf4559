using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// <c>ibuild build</c> end to end, as root: real sandboxes, real overlay, and the results read
/// back by skopeo and umoci.
/// </summary>
public sealed class BuildCommandTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_build_with_run_copy_workdir_and_config_gives_the_tree_and_config_tools_read()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("src/a.txt", "file a\n");
        fixture.Write("src/sub/b.txt", "file b\n");

        var result = await fixture.BuildAsync("""
            FROM box:1
            ARG GREETING=hello
            ENV APP_HOME=/app
            WORKDIR $APP_HOME
            COPY src/ /app/src/
            RUN echo "$GREETING from $(hostname)" > /app/greeting && rm -rf /root && rm /etc/group
            USER nobody
            EXPOSE 8080
            CMD ["cat", "/app/greeting"]
            """, "-t", "app:1");

        result.Ok();
        Assert.Contains("#2 [2/4] WORKDIR $APP_HOME", result.Stderr);
        var rootfs = await fixture.UnpackWithUmociAsync("app:1");
        Assert.Equal("hello from ibuild\n", File.ReadAllText(Path.Combine(rootfs, "app", "greeting")));
        Assert.Equal("file b\n", File.ReadAllText(Path.Combine(rootfs, "app", "src", "sub", "b.txt")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "root")), "rm -rf of a base directory is a whiteout");
        Assert.False(File.Exists(Path.Combine(rootfs, "etc", "group")), "rm of a base file is a whiteout");
        Assert.True(File.Exists(Path.Combine(rootfs, "etc", "passwd")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc", "hosts")), "the sandbox's /etc/hosts stub never reaches a layer");

        var config = await fixture.ConfigWithSkopeoAsync("app:1");
        var exec = config.GetProperty("config");
        Assert.Equal("/app", exec.GetProperty("WorkingDir").GetString());
        Assert.Equal("nobody", exec.GetProperty("User").GetString());
        Assert.Contains("APP_HOME=/app", exec.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("GREETING=hello", exec.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["cat", "/app/greeting"], exec.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.True(exec.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        var history = config.GetProperty("history").EnumerateArray().ToList();
        Assert.Contains(history, h => h.GetProperty("created_by").GetString() == "RUN |1 GREETING=hello /bin/sh -c echo \"$GREETING from $(hostname)\" > /app/greeting && rm -rf /root && rm /etc/group # buildkit");
        Assert.Equal(config.GetProperty("rootfs").GetProperty("diff_ids").GetArrayLength(), history.Count(h => !h.TryGetProperty("empty_layer", out var e) || !e.GetBoolean()));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task An_unchanged_rebuild_gives_the_same_image_and_touching_or_ignored_files_change_nothing()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("app.txt", "v1\n");
        fixture.Write("notes.log", "ignored\n");
        fixture.Write(".dockerignore", "*.log\n");
        const string dockerfile = "FROM box:1\nCOPY . /ctx/\nRUN ls /ctx > /listing\n";

        (await fixture.BuildAsync(dockerfile, "-t", "c:1")).Ok();
        var first = await fixture.IdAsync("c:1");
        File.SetLastWriteTimeUtc(Path.Combine(fixture.Context, "app.txt"), DateTime.UtcNow.AddHours(1));
        fixture.Write("notes.log", "changed but ignored\n");
        var again = await fixture.BuildAsync(dockerfile, "-t", "c:1");

        again.Ok();
        Assert.Equal(first, await fixture.IdAsync("c:1"));
        Assert.Equal(2, again.Stderr.Split('\n').Count(l => l.EndsWith(" CACHED", StringComparison.Ordinal)));
        var rootfs = await fixture.UnpackWithUmociAsync("c:1");
        Assert.Equal("Dockerfile\napp.txt\n", File.ReadAllText(Path.Combine(rootfs, "listing")));
    }

    [RootFact]
    public async Task Changing_a_copied_file_reruns_from_that_copy_and_keeps_the_layers_before_it()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("first/one.txt", "one\n");
        fixture.Write("second/two.txt", "two\n");
        const string dockerfile = "FROM box:1\nCOPY first /first\nRUN cat /first/one.txt > /one-copy\nCOPY second /second\nRUN cat /second/two.txt > /two-copy\n";
        (await fixture.BuildAsync(dockerfile, "-t", "c:1")).Ok();
        var before = await fixture.LayersAsync("c:1");

        fixture.Write("second/two.txt", "two, changed\n");
        var rebuilt = (await fixture.BuildAsync(dockerfile, "-t", "c:1")).Ok();
        var after = await fixture.LayersAsync("c:1");

        Assert.Equal(before.Take(3), after.Take(3));
        Assert.NotEqual(before[3], after[3]);
        Assert.NotEqual(before[4], after[4]);
        Assert.Contains("RUN cat /first/one.txt > /one-copy\n", rebuilt.Stderr.Replace("\r", ""));
        Assert.Equal(2, rebuilt.Stderr.Split('\n').Count(l => l.EndsWith(" CACHED", StringComparison.Ordinal)));
        var rootfs = await fixture.UnpackWithUmociAsync("c:1");
        Assert.Equal("two, changed\n", File.ReadAllText(Path.Combine(rootfs, "two-copy")));
    }

    [RootFact]
    public async Task A_changed_build_arg_reruns_from_its_first_use_and_no_cache_reruns_everything()
    {
        await fixture.ImportBaseAsync();
        const string dockerfile = "FROM box:1\nRUN echo base > /base\nARG V=1\nRUN echo $V > /v\n";
        (await fixture.BuildAsync(dockerfile, "-t", "c:1")).Ok();

        var changed = (await fixture.BuildAsync(dockerfile, "-t", "c:2", "--build-arg", "V=2")).Ok();
        Assert.Equal(1, changed.Stderr.Split('\n').Count(l => l.EndsWith(" CACHED", StringComparison.Ordinal)));
        Assert.Equal("2\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("c:2"), "v")));

        var fresh = (await fixture.BuildAsync(dockerfile, "-t", "c:3", "--no-cache")).Ok();
        Assert.DoesNotContain(" CACHED", fresh.Stderr);
    }

    [RootFact]
    public async Task Stages_copy_from_each_other_and_an_unneeded_stage_never_runs()
    {
        await fixture.ImportBaseAsync();
        var result = await fixture.BuildAsync("""
            FROM box:1 AS a
            RUN echo a > /a
            FROM box:1 AS broken
            RUN exit 9
            FROM box:1 AS b
            RUN mkdir /out && echo b > /out/b
            FROM scratch
            COPY --from=a /a /a
            COPY --from=b /out /out
            COPY --from=box:1 /bin/busybox /busybox
            """, "-t", "multi:1");

        result.Ok();
        Assert.DoesNotContain("exit 9", result.Stderr);
        var rootfs = await fixture.UnpackWithUmociAsync("multi:1");
        Assert.Equal(["a", "busybox", "out"], Directory.EnumerateFileSystemEntries(rootfs).Select(Path.GetFileName).Order());
        Assert.Equal("b\n", File.ReadAllText(Path.Combine(rootfs, "out", "b")));
    }

    [RootFact]
    public async Task A_failing_step_is_located_shows_its_output_cancels_the_rest_and_leaves_nothing()
    {
        await fixture.ImportBaseAsync();
        var result = await fixture.BuildAsync("""
            FROM box:1 AS slow
            RUN sleep 1000
            FROM box:1
            RUN echo about to fail && exit 3
            COPY --from=slow /etc/passwd /x
            """, "-t", "f:1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:4:1: IB2004: RUN exited with code 3", result.Stderr);
        Assert.Contains("  about to fail", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Empty(Tools.ProcessesRunning("sleep 1000"));
        fixture.AssertNothingLeft();

        // A failed step is never cached: the same build fails again, running the step.
        var again = await fixture.BuildAsync("FROM box:1\nRUN echo about to fail && exit 3\n");
        Assert.Contains("about to fail", again.Stderr);
    }

    [RootFact]
    public async Task Onbuild_triggers_of_a_built_image_fire_in_a_child_build()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nONBUILD RUN echo triggered > /onbuild\n", "-t", "parent:1")).Ok();
        (await fixture.BuildAsync("FROM parent:1\nRUN cat /onbuild > /seen\n", "-t", "child:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("child:1");
        Assert.Equal("triggered\n", File.ReadAllText(Path.Combine(rootfs, "seen")));
        var config = await fixture.ConfigWithSkopeoAsync("child:1");
        Assert.False(config.GetProperty("config").TryGetProperty("OnBuild", out var onbuild) && onbuild.ValueKind == System.Text.Json.JsonValueKind.Array && onbuild.GetArrayLength() > 0);
    }

    [RootFact]
    public async Task Heredocs_in_run_and_copy_work_as_in_buildkit()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("""
            FROM box:1
            ARG NAME=world
            RUN <<EOF
            echo one > /one
            echo two >> /one
            EOF
            RUN cat <<EOF > /two
            hello $NAME
            EOF
            COPY <<EOF /three
            copied $NAME
            EOF
            """, "-t", "h:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("h:1");
        Assert.Equal("one\ntwo\n", File.ReadAllText(Path.Combine(rootfs, "one")));
        Assert.Equal("hello world\n", File.ReadAllText(Path.Combine(rootfs, "two")));
        Assert.Equal("copied world\n", File.ReadAllText(Path.Combine(rootfs, "three")));
    }

    [RootFact]
    public async Task The_shorthand_form_and_root_after_the_command_work_and_bad_input_is_one_located_message()
    {
        await fixture.ImportBaseAsync();
        fixture.Write("Dockerfile", "FROM box:1\nRUN true\n");
        (await Tools.Ibuild("-f", Path.Combine(fixture.Context, "Dockerfile"), "-t", "short:1", "--root", fixture.Store, "--progress", "quiet", fixture.Context)).Ok();
        Assert.StartsWith("sha256:", await fixture.IdAsync("short:1"));

        var missing = await fixture.BuildAsync("FROM box:1\nCOPY nothere.txt /\n");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2005:", missing.Stderr);

        var noImage = await fixture.BuildAsync("FROM alpine:3\n", "--pull=never");
        Assert.Contains("Dockerfile:1:1: IB2002: image \"alpine:3\" is not in the store", noImage.Stderr);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Tar_and_local_outputs_hold_the_merged_file_system_that_umoci_unpacks()
    {
        await fixture.ImportBaseAsync();
        var tar = Path.Combine(fixture.Context, "..", "fs.tar");
        var local = Path.Combine(fixture.Context, "..", "fs-dir");
        const string dockerfile = "FROM box:1\nRUN rm -rf /root && mkdir /made && echo x > /made/x\n";
        (await fixture.BuildAsync(dockerfile, "-t", "e:1", "--output", $"type=tar,dest={tar}")).Ok();
        (await fixture.BuildAsync(dockerfile, "-t", "e:1", "--output", $"type=local,dest={local}")).Ok();

        var expected = await FileTreeSnapshot.DescribeAsync(await fixture.UnpackWithUmociAsync("e:1"));
        Assert.Equal(expected, await FileTreeSnapshot.DescribeAsync(local));
        var listing = (await Tools.Run("tar", "-tf", tar)).Ok().Stdout.Split('\n').Select(l => l.TrimStart('.', '/')).ToList();
        Assert.Contains("made/x", listing);
        Assert.DoesNotContain(listing, l => l.Contains(".wh.", StringComparison.Ordinal));
        Assert.DoesNotContain(listing, l => l.StartsWith("root", StringComparison.Ordinal));
        Assert.Contains("etc/passwd", listing);
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Layers_are_stored_uncompressed_and_oci_outputs_compress_them_once()
    {
        await fixture.ImportBaseAsync();
        var gzip = Path.Combine(fixture.Context, "..", "gzip.tar");
        var zstd = Path.Combine(fixture.Context, "..", "zstd.tar");
        const string dockerfile = "FROM box:1\nRUN seq 1 1000 > /numbers\n";
        // Without provenance (min by default for type=oci): the archive's top manifest is the image's.
        (await fixture.BuildAsync(dockerfile, "-t", "z:1", "--provenance=false", "--output", $"type=oci,dest={gzip}")).Ok();
        (await fixture.BuildAsync(dockerfile, "-t", "z:1", "--provenance=false", "--output", $"type=oci,dest={zstd},compression=zstd")).Ok();

        using var stored = System.Text.Json.JsonDocument.Parse((await Tools.Ibuild("--root", fixture.Store, "inspect", "z:1")).Ok().Stdout);
        Assert.Equal("application/vnd.oci.image.layer.v1.tar", stored.RootElement.GetProperty("Manifest").GetProperty("layers")[1].GetProperty("mediaType").GetString());
        foreach (var (archive, mediaType) in new[] { (gzip, "application/vnd.oci.image.layer.v1.tar+gzip"), (zstd, "application/vnd.oci.image.layer.v1.tar+zstd") })
        {
            var manifest = (await Tools.Run("skopeo", "inspect", "--raw", $"oci-archive:{archive}")).Ok().Stdout;
            using var json = System.Text.Json.JsonDocument.Parse(manifest);
            Assert.Equal(mediaType, json.RootElement.GetProperty("layers")[1].GetProperty("mediaType").GetString());
        }

        // The config (and so the image id) is the stored one; the tree unpacks the same.
        var raw = (await Tools.Run("skopeo", "inspect", "--raw", $"oci-archive:{gzip}")).Ok().Stdout;
        Assert.Contains(await fixture.IdAsync("z:1"), raw, StringComparison.Ordinal);
    }
}
