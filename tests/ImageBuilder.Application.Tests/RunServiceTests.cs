using System.Formats.Tar;
using System.IO.Abstractions;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.References;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Application.Tests;

/// <summary><c>ibuild run</c>'s service: what it asks the machine to run, and the scratch it uses.</summary>
public sealed class RunServiceTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-app-run-");
    private readonly RecordingMachine machine = new();
    private readonly ApplicationServices services;

    public RunServiceTests() => services = new ApplicationServices(new FileSystem(), machine, () => Stream.Null);

    private string Root => dir.Combine("store");

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task A_container_runs_in_store_scratch_named_for_this_process_which_is_gone_afterwards()
    {
        await ImportAsync("img:1");

        var result = await services.Runs.RunAsync(
            new RunRequest(Root, "img:1", ["sh", "-c", "true"]) { Env = ["A=1"], Network = NetworkMode.None }, Stream.Null, Stream.Null, CancellationToken.None);

        Assert.Equal(7, result.ExitCode);
        var spec = Assert.Single(machine.Containers);
        Assert.Equal(["sh", "-c", "true"], spec.Argv);
        Assert.Contains("A=1", spec.Env);
        Assert.Same(SandboxNetwork.None, spec.Network);
        Assert.Equal(Path.Combine(Root, "ibuild", "tmp"), Path.GetDirectoryName(spec.ScratchDir));
        Assert.StartsWith($"{Environment.ProcessId}-", Path.GetFileName(spec.ScratchDir), StringComparison.Ordinal);
        Assert.True(Assert.Single(machine.ScratchReady));
        Assert.False(Directory.Exists(spec.ScratchDir));
        Assert.Equal(1, machine.CgroupCleanUps);
    }

    [RootFact]
    public async Task A_container_gets_a_private_network_of_its_own_unless_host_or_none_is_asked_for()
    {
        await ImportAsync("img:1");

        foreach (var mode in new[] { NetworkMode.Private, NetworkMode.Host, NetworkMode.None })
        {
            var request = new RunRequest(Root, "img:1", ["true"]);
            await services.Runs.RunAsync(mode == NetworkMode.Private ? request : request with { Network = mode }, Stream.Null, Stream.Null, CancellationToken.None);
        }

        Assert.Equal([SandboxNetwork.Private, SandboxNetwork.Host, SandboxNetwork.None], machine.Containers.Select(c => c.Network));
    }

    [RootFact]
    public async Task An_image_of_a_platform_the_machine_cannot_run_is_refused_with_what_to_install()
    {
        await ImportAsync("img:1");
        machine.Unrunnable.Add(Core.Oci.Platform.Current.ToString());

        var error = await Assert.ThrowsAsync<RunRefusedException>(
            () => services.Runs.RunAsync(new RunRequest(Root, "img:1", ["true"]), Stream.Null, Stream.Null, CancellationToken.None));

        Assert.Equal(RunRefusal.Sandbox, error.Reason);
        Assert.Equal($"no emulator for {Core.Oci.Platform.Current}", error.Message);
        Assert.Equal("install one", error.Hint);
        Assert.Empty(machine.Containers);
    }

    [RootFact]
    public async Task An_image_without_a_command_is_refused_before_anything_runs()
    {
        await ImportAsync("bare:1");

        var error = await Assert.ThrowsAsync<RunRefusedException>(
            () => services.Runs.RunAsync(new RunRequest(Root, "bare:1", []), Stream.Null, Stream.Null, CancellationToken.None));

        Assert.Equal(RunRefusal.NoCommand, error.Reason);
        Assert.Empty(machine.Containers);
        Assert.Empty(StoreScratch.Leftovers(Root));
    }

    [RootFact]
    public async Task Removing_several_images_reports_a_missing_one_and_removes_the_rest()
    {
        await ImportAsync("keep:1");
        await ImportAsync("drop:1");

        var removals = services.Stores.Remove(Root, ["nothere:1", "drop:1"], force: false).ToList();

        Assert.NotNull(removals[0].Failure);
        Assert.Equal(["drop:1"], removals[1].Untagged.Select(t => t.ToFamiliarString()));
        Assert.Equal(["keep:1"], services.Stores.ListImages(Root).SelectMany(i => i.Tags).Select(t => t.ToFamiliarString()));
    }

    /// <summary>A one-file root file system imported as <paramref name="name"/> (no command in its config).</summary>
    private async Task ImportAsync(string name)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream("hi\n"u8.ToArray()) };
            await writer.WriteEntryAsync(entry);
        }

        tar.Position = 0;
        await services.Archives.ImportAsync(Root, tar, "rootfs.tar", ImageReference.Parse(name), DateTimeOffset.UnixEpoch, CancellationToken.None);
    }
}
