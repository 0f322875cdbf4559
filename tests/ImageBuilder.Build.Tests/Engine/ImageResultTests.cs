using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Tests.Engine;

/// <summary>The image a build makes: its layers, its history as BuildKit writes it, and its config.</summary>
public sealed class ImageResultTests
{
    [Fact]
    public async Task History_has_one_entry_per_step_with_BuildKit_s_created_by_texts()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("a.txt", "a");

        var built = await harness.BuildAsync("FROM base\nENV A=1\nCOPY a.txt /a.txt\nRUN make\nWORKDIR /app\nCMD [\"run\"]\n");

        Assert.Equal(
            ["ENV A=1", "COPY a.txt /a.txt # buildkit", "RUN /bin/sh -c make # buildkit", "WORKDIR /app", "CMD [\"run\"]"],
            built.Config.History!.Select(h => h.CreatedBy));
        Assert.All(built.Config.History!, h => Assert.Equal("buildkit.dockerfile.v0", h.Comment));
    }

    [Fact]
    public async Task Steps_that_change_no_file_are_empty_layers()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("a.txt", "a");
        harness.Runner.On("make").Writes("bin/app", "x");

        var built = await harness.BuildAsync("FROM base\nENV A=1\nRUN true\nCOPY a.txt /\nRUN make\nUSER app\n");

        Assert.Equal([true, true, false, false, true], built.Config.History!.Select(h => h.EmptyLayer == true));
    }

    [Fact]
    public async Task The_root_fs_lists_one_diff_id_per_non_empty_layer_base_layers_first()
    {
        using var harness = new EngineHarness();
        var baseLayer = await harness.StoreLayerAsync(("etc/os-release", "test"));
        harness.Images.Add("layered", null, baseLayer);
        harness.Runner.On("make").Writes("bin/app", "x");

        var built = await harness.BuildAsync("FROM layered\nRUN true\nRUN make\nENV A=1\n");

        Assert.Equal(2, built.Config.RootFs.DiffIds.Count);
        Assert.Equal(baseLayer.DiffId, built.Config.RootFs.DiffIds[0]);
        Assert.Equal(2, built.ImageManifest.Layers.Count);
        Assert.Equal(baseLayer.Layer.Digest, built.ImageManifest.Layers[0].Digest);
        Assert.Equal(4, built.Config.History!.Count);
        Assert.True(harness.Store.HasBlob(built.ImageManifest.Layers[1].Digest));
    }

    [Fact]
    public async Task The_config_carries_Env_Cmd_Entrypoint_WorkingDir_User_and_Labels()
    {
        using var harness = new EngineHarness();

        var built = await harness.BuildAsync("""
            FROM base
            ENV MODE=prod
            LABEL org.example.team=core version=2
            WORKDIR /srv
            USER app
            ENTRYPOINT ["/srv/app"]
            CMD ["--serve"]
            """);

        var config = built.Config.Config!;
        Assert.Equal(["PATH=/usr/bin:/bin", "MODE=prod"], config.Env);
        Assert.Equal(["/srv/app"], config.Entrypoint);
        Assert.Equal(["--serve"], config.Cmd);
        Assert.Equal("/srv", config.WorkingDir);
        Assert.Equal("app", config.User);
        Assert.Equal(new Dictionary<string, string> { ["org.example.team"] = "core", ["version"] = "2" }, config.Labels);
    }

    [Fact]
    public async Task The_manifest_and_config_are_stored_and_name_each_other()
    {
        using var harness = new EngineHarness();

        var built = await harness.BuildAsync("FROM base\nRUN make\n");

        var manifest = OciJson.Deserialize<ImageManifest>(harness.Store.ReadBlob(built.Manifest.Digest));
        Assert.Equal(built.Id, manifest.Config.Digest);
        Assert.Equal(built.Config.RootFs.DiffIds, OciJson.Deserialize<ImageConfig>(harness.Store.ReadBlob(built.Id)).RootFs.DiffIds);
    }

    [Fact]
    public async Task A_COPY_writes_its_files_and_heredocs_into_its_layer()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("src/main.c", "int main;");

        await harness.BuildAsync("FROM base\nWORKDIR /build\nCOPY src/main.c ./\nCOPY <<EOF /etc/motd\nhello\nEOF\n");

        var copy = harness.Files.Copies.First();
        Assert.Equal(harness.ContextDir, copy.SourceDirectory);
        Assert.Equal("/build", copy.WorkingDirectory);
        Assert.Equal("int main;", harness.Layers.Commits.Single(c => c.ContainsKey("build/main.c"))["build/main.c"]);
        Assert.Equal("hello\n", harness.Layers.Commits.Single(c => c.ContainsKey("etc/motd"))["etc/motd"]);
    }

    [Fact]
    public async Task COPY_passes_chown_chmod_and_ADD_unpacking_to_the_file_work()
    {
        using var harness = new EngineHarness();
        harness.WriteContext("a.tar", "not really");
        harness.WriteContext("b.txt", "b");

        await harness.BuildAsync("FROM base\nADD a.tar /x/\nCOPY --chown=app:app --chmod=640 b.txt /b.txt\n");

        var add = harness.Files.Copies.First();
        var copy = harness.Files.Copies.Last();
        Assert.True(add.UnpackArchives);
        Assert.False(copy.UnpackArchives);
        Assert.Equal("app:app", copy.Chown);
        Assert.Equal("640", copy.Chmod);
    }

    [Fact]
    public async Task Dot_dockerignore_hides_files_from_COPY()
    {
        using var harness = new EngineHarness();
        harness.WriteContext(".dockerignore", "secret.txt\n");
        harness.WriteContext("secret.txt", "s");

        var error = await Assert.ThrowsAsync<Build.Engine.BuildException>(() => harness.BuildAsync("FROM base\nCOPY secret.txt /\n"));

        Assert.Equal("IB2005", error.Diagnostic.Code.Id());
    }
}
