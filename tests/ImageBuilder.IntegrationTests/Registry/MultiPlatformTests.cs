using System.Text.Json;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>
/// <c>build --platform linux/amd64,linux/arm64</c> for real: the arm64 RUN steps under QEMU
/// (binfmt_misc, as scripts/deps.sh registers it), the index read back by skopeo (from the OCI
/// archive and from the registry), umoci and podman.
/// </summary>
public sealed class MultiPlatformTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private const string ArmBusybox = "/var/cache/ibuild-tests/arm64/bin/busybox";

    // Each platform's root file system from its own busybox, then a RUN that says where it ran.
    private const string UnameDockerfile = """
        FROM scratch
        ARG TARGETARCH
        ADD rootfs-${TARGETARCH}.tar /
        RUN uname -m > /arch
        """;

    private readonly TempDirectory dir = new("ibuild-it-multi-");

    private string Store => dir.Combine("store");

    public void Dispose() => dir.Dispose();

    [EmulationRootFact]
    public async Task An_amd64_and_arm64_build_gives_one_index_whose_images_ran_on_their_own_architecture()
    {
        var context = await ContextAsync(UnameDockerfile);

        (await Ibuild("build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64", "-t", "multi:1", context)).Ok();

        using var inspect = JsonDocument.Parse((await Ibuild("inspect", "multi:1")).Ok().Stdout);
        Assert.Equal(["linux/amd64", "linux/arm64"], inspect.RootElement.GetProperty("Platforms").EnumerateArray().Select(p => p.GetProperty("Platform").GetString()));
        Assert.Contains("linux/amd64,linux/arm64", (await Ibuild("images")).Ok().Stdout);

        // The OCI archive holds the index; skopeo copies each platform out of it, umoci unpacks it.
        var archive = dir.Combine("multi-oci.tar");
        (await Ibuild("save", "--format", "oci", "-o", archive, "multi:1")).Ok();
        using (var index = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--raw", $"oci-archive:{archive}")).Ok().Stdout))
        {
            Assert.Equal("application/vnd.oci.image.index.v1+json", index.RootElement.GetProperty("mediaType").GetString());
            Assert.Equal(["amd64", "arm64"], index.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));
        }

        Assert.Equal("x86_64\n", await ArchFileAsync($"oci-archive:{archive}", "amd64"));
        Assert.Equal("aarch64\n", await ArchFileAsync($"oci-archive:{archive}", "arm64"));

        // Loaded into another store, it is the same multi-platform image (the same index digest).
        var other = dir.Combine("other");
        Assert.Equal("Loaded image: multi:1\n", (await Tools.Ibuild("--root", other, "load", "-i", archive)).Ok().Stdout);
        using (var loaded = JsonDocument.Parse((await Tools.Ibuild("--root", other, "inspect", "multi:1")).Ok().Stdout))
        {
            Assert.Equal(inspect.RootElement.GetProperty("Id").GetString(), loaded.RootElement.GetProperty("Id").GetString());
        }

        Assert.Equal("aarch64\n", (await Tools.Ibuild("--root", other, "run", "--platform", "linux/arm64", "multi:1", "cat", "/arch")).Ok().Stdout);
        Assert.DoesNotContain("<none>", (await Tools.Ibuild("--root", other, "images")).Ok().Stdout);

        // One platform into a docker archive; all of them need the OCI format, which the error says.
        var refused = await Ibuild("save", "-o", dir.Combine("multi-docker.tar"), "multi:1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("linux/amd64, linux/arm64", refused.Stderr);
        Assert.Contains("--platform", refused.Stderr);
        (await Ibuild("save", "--platform", "linux/arm64", "-o", dir.Combine("arm64-docker.tar"), "multi:1")).Ok();
        using (var config = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--config", $"docker-archive:{dir.Combine("arm64-docker.tar")}")).Ok().Stdout))
        {
            Assert.Equal("arm64", config.RootElement.GetProperty("architecture").GetString());
        }

        Assert.Equal("aarch64\n", (await Ibuild("run", "--platform", "linux/arm64", "multi:1", "cat", "/arch")).Ok().Stdout);
        Assert.Equal("x86_64\n", (await Ibuild("run", "multi:1", "cat", "/arch")).Ok().Stdout);

        // One platform that is not the machine's: a plain image of that platform.
        (await Ibuild("build", "--progress", "plain", "--platform", "linux/arm64", "-t", "arm:1", context)).Ok();
        using var arm = JsonDocument.Parse((await Ibuild("inspect", "arm:1")).Ok().Stdout);
        Assert.Equal("arm64", arm.RootElement.GetProperty("Config").GetProperty("architecture").GetString());
        Assert.Equal("aarch64\n", (await Ibuild("run", "arm:1", "cat", "/arch")).Ok().Stdout);

        // tag and rmi take the multi-platform image whole.
        (await Ibuild("tag", "multi:1", "multi:2")).Ok();
        Assert.Equal(1, (await Ibuild("rmi", inspect.RootElement.GetProperty("Id").GetString()!)).ExitCode);
        (await Ibuild("rmi", "multi:1")).Ok();
        Assert.Equal(["linux/amd64", "linux/arm64"], JsonDocument.Parse((await Ibuild("inspect", "multi:2")).Ok().Stdout).RootElement
            .GetProperty("Platforms").EnumerateArray().Select(p => p.GetProperty("Platform").GetString()));
        (await Ibuild("rmi", "-f", inspect.RootElement.GetProperty("Id").GetString()!)).Ok();
        Assert.DoesNotContain("multi", (await Ibuild("images")).Ok().Stdout);
    }

    [EmulationRootFact]
    public async Task What_ibuild_pushed_is_an_index_skopeo_copies_per_platform_and_podman_pulls_for_arm64()
    {
        var context = await ContextAsync(UnameDockerfile);
        var reference = $"{registry.Server.Host}/{RegistryTestKit.Repository("multi")}:1";

        (await Ibuild("build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64", "-t", reference, "--push", context)).Ok();

        using (var index = JsonDocument.Parse((await Tools.Run("skopeo", "inspect", "--tls-verify=false", "--raw", $"docker://{reference}")).Ok().Stdout))
        {
            Assert.Equal("application/vnd.oci.image.index.v1+json", index.RootElement.GetProperty("mediaType").GetString());

            // The two images, then (provenance, min by default for a push) an attestation manifest about each.
            var entries = index.RootElement.GetProperty("manifests").EnumerateArray().ToList();
            Assert.Equal(4, entries.Count);
            Assert.Equal(
                entries.Take(2).Select(e => e.GetProperty("digest").GetString()),
                entries.Skip(2).Select(e => e.GetProperty("annotations").GetProperty("vnd.docker.reference.digest").GetString()));
            Assert.All(entries.Skip(2), e => Assert.Equal("unknown/unknown", $"{e.GetProperty("platform").GetProperty("os")}/{e.GetProperty("platform").GetProperty("architecture")}"));
        }

        Assert.Equal("x86_64\n", await ArchFileAsync($"docker://{reference}", "amd64", "--src-tls-verify=false"));
        Assert.Equal("aarch64\n", await ArchFileAsync($"docker://{reference}", "arm64", "--src-tls-verify=false"));

        string[] podman = ["--root", dir.Combine("podman-root"), "--runroot", dir.Combine("podman-run"), "--storage-driver", "vfs"];
        (await Tools.Run("podman", [.. podman, "pull", "--tls-verify=false", "--platform", "linux/arm64", reference])).Ok();
        using var pulled = JsonDocument.Parse((await Tools.Run("podman", [.. podman, "image", "inspect", reference])).Ok().Stdout);
        using var ours = JsonDocument.Parse((await Ibuild("inspect", "--platform", "linux/arm64", reference)).Ok().Stdout);
        Assert.Equal("arm64", pulled.RootElement[0].GetProperty("Architecture").GetString());
        Assert.Equal(ours.RootElement.GetProperty("Id").GetString(), "sha256:" + pulled.RootElement[0].GetProperty("Id").GetString());
    }

    [EmulationRootFact]
    public async Task Pull_of_every_platform_keeps_the_registrys_index_and_the_cache_carries_every_platforms_steps()
    {
        var context = await ContextAsync(UnameDockerfile);
        var reference = $"{registry.Server.Host}/{RegistryTestKit.Repository("multi")}:1";
        var cache = $"{registry.Server.Host}/{RegistryTestKit.Repository("multi-cache")}:1";
        (await Ibuild("build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64", "-t", reference, "--push",
            "--cache-to", $"type=registry,ref={cache},mode=max", context)).Ok();
        var digest = (await Tools.Run("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{reference}")).Ok().Stdout.Trim();

        // Another store pulls the whole index: its digest is the registry's, each platform runs.
        var other = dir.Combine("other");
        var pulled = (await Tools.Ibuild("--root", other, "pull", "--platform", "all", reference)).Ok().Stdout.Trim();
        Assert.Equal(digest, pulled);
        using (var inspect = JsonDocument.Parse((await Tools.Ibuild("--root", other, "inspect", reference)).Ok().Stdout))
        {
            Assert.Equal(digest, inspect.RootElement.GetProperty("Id").GetString());
            Assert.Equal(2, inspect.RootElement.GetProperty("Platforms").GetArrayLength());
        }

        Assert.Equal("aarch64\n", (await Tools.Ibuild("--root", other, "run", "--platform", "linux/arm64", reference, "cat", "/arch")).Ok().Stdout);
        Assert.DoesNotContain("<none>", (await Tools.Ibuild("--root", other, "images")).Ok().Stdout);

        // A third store with the cache: every step of both platforms is a hit, nothing runs.
        var third = dir.Combine("third");
        var rebuilt = (await Tools.Ibuild("--root", third, "build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64",
            "--cache-from", $"type=registry,ref={cache}", context)).Ok();
        var steps = rebuilt.Stderr.Split('\n').Where(l => l.Contains(" [linux/", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(4, steps.Count);
        Assert.All(steps, id => Assert.Contains($"{id} CACHED\n", rebuilt.Stderr));
    }

    [EmulationRootFact]
    public async Task A_stage_on_the_build_platform_runs_once_for_every_target_and_each_target_builds_from_its_own_base()
    {
        var context = await ContextAsync(UnameDockerfile);
        (await Ibuild("build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64", "-t", "base:multi", context)).Ok();
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM --platform=$BUILDPLATFORM base:multi AS tools
            RUN head -c 16 /dev/urandom | od -An -tx1 > /made-once && uname -m >> /made-once
            FROM base:multi
            COPY --from=tools /made-once /made-once
            RUN uname -m > /runs-on
            """);

        var build = (await Ibuild("build", "--progress", "plain", "--platform", "linux/amd64,linux/arm64", "-t", "app:multi", context)).Ok();

        // The tools stage ran for the first platform and was a cache hit for the second.
        var tools = build.Stderr.Split('\n').Where(l => l.Contains("tools 2/2] RUN", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(2, tools.Count);
        Assert.Contains($"{tools[0]} DONE", build.Stderr);
        Assert.Contains($"{tools[1]} CACHED\n", build.Stderr);
        var amd64 = (await Ibuild("run", "--platform", "linux/amd64", "app:multi", "cat", "/made-once", "/runs-on")).Ok().Stdout;
        var arm64 = (await Ibuild("run", "--platform", "linux/arm64", "app:multi", "cat", "/made-once", "/runs-on")).Ok().Stdout;
        Assert.Equal(amd64.Split('\n')[..2], arm64.Split('\n')[..2]);
        Assert.EndsWith("x86_64\nx86_64\n", amd64);
        Assert.EndsWith("x86_64\naarch64\n", arm64);

        // A platform the base lacks is refused where the base is named, with the platforms it has.
        var refused = await Ibuild("build", "--progress", "plain", "--platform", "linux/riscv64", context);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Dockerfile:3:1: IB2003: image \"base:multi\" has no linux/riscv64 image: it is built for linux/amd64, linux/arm64", refused.Stderr);
    }

    private Task<Tools.Result> Ibuild(params string[] args) => Tools.Ibuild(["--root", Store, .. args]);

    /// <summary>A context with busybox root file systems for amd64 and arm64 (rootfs-ARCH.tar) and <paramref name="dockerfile"/>.</summary>
    private async Task<string> ContextAsync(string dockerfile)
    {
        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.Copy(await BusyboxRootfs.PathAsync(), Path.Combine(context, "rootfs-amd64.tar"));
        (await Tools.Run("bash", Path.Combine(RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), Path.Combine(context, "rootfs-arm64.tar"), ArmBusybox)).Ok();
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        return context;
    }

    /// <summary>/arch of <paramref name="architecture"/>'s image of <paramref name="source"/>, copied out by skopeo and unpacked by umoci.</summary>
    private async Task<string> ArchFileAsync(string source, string architecture, params string[] options)
    {
        var layout = dir.Combine($"layout-{Guid.NewGuid():N}");
        (await Tools.Run("skopeo", ["copy", "--override-arch", architecture, .. options, source, $"oci:{layout}:img"])).Ok();
        var bundle = dir.Combine($"bundle-{Guid.NewGuid():N}");
        (await Tools.Run("umoci", "unpack", "--image", $"{layout}:img", bundle)).Ok();
        return File.ReadAllText(Path.Combine(bundle, "rootfs", "arch"));
    }
}

/// <summary>
/// A test that runs as root with QEMU's arm64 emulation and an arm64 busybox (scripts/deps.sh
/// sets up both), docker-registry, skopeo, umoci and podman. Not skipped when the emulation is
/// missing as root: that is a machine scripts/deps.sh did not prepare, and the test says so.
/// </summary>
public sealed class EmulationRootFactAttribute : FactAttribute
{
    public EmulationRootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
        }
        else if (!RegistryServer.Available || !File.Exists("/usr/bin/skopeo"))
        {
            Skip = "needs docker-registry and skopeo (scripts/deps.sh installs them)";
        }
    }
}
