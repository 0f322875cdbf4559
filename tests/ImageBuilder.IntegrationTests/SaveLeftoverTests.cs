using System.Diagnostics;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// A <c>save</c> killed mid-write leaves <c>FILE.ibuild-PID.tmp</c> beside FILE; the next save to
/// the same FILE removes it once its process is gone, and never the file of a save still running.
/// </summary>
public sealed class SaveLeftoverTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-save-");

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task Save_removes_what_a_killed_save_left_and_writes_a_valid_archive()
    {
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        var output = dir.Combine("box.tar");
        var dead = $"{output}.ibuild-{await DeadPidAsync()}.tmp";
        var otherFile = dir.Combine("other.tar.ibuild-99999999.tmp");
        await File.WriteAllTextAsync(dead, "half an archive");
        await File.WriteAllTextAsync(otherFile, "not box.tar's");

        (await Tools.Ibuild("--root", store, "save", "-o", output, "box:1")).Ok();

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(otherFile));
        Assert.Equal([output, otherFile], Directory.GetFiles(dir.Path, "*.tar*").Order(StringComparer.Ordinal));
        var loaded = await Tools.Ibuild("--root", dir.Combine("empty"), "load", "-i", output);
        Assert.Contains("Loaded image: box:1", loaded.Ok().Stdout);
        (await Tools.Run("skopeo", "inspect", $"docker-archive:{output}")).Ok();
    }

    /// <summary>A link planted at the temporary file's name (this process's pid) is replaced, never written through.</summary>
    [RootFact]
    public async Task Save_never_writes_through_a_link_planted_at_its_temporary_name()
    {
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        var output = dir.Combine("box.tar");
        var victim = dir.Combine("victim");
        await File.WriteAllTextAsync(victim, "root's file");
        File.CreateSymbolicLink($"{output}.ibuild-{Environment.ProcessId}.tmp", victim);

        (await Tools.Ibuild("--root", store, "save", "-o", output, "box:1")).Ok();

        Assert.Equal("root's file", await File.ReadAllTextAsync(victim));
        Assert.False(File.Exists($"{output}.ibuild-{Environment.ProcessId}.tmp"));
        (await Tools.Run("skopeo", "inspect", $"docker-archive:{output}")).Ok();
    }

    [RootFact]
    public async Task A_leftover_of_a_running_save_is_kept()
    {
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        var output = dir.Combine("box.tar");
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "600"))!;
        var busy = $"{output}.ibuild-{sleeper.Id}.tmp";
        await File.WriteAllTextAsync(busy, "being written");
        try
        {
            (await Tools.Ibuild("--root", store, "save", "-o", output, "box:1")).Ok();

            Assert.Equal("being written", await File.ReadAllTextAsync(busy));
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }
    }

    /// <summary>The id of a process that has just ended (so no process has it).</summary>
    private static async Task<int> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        await process.WaitForExitAsync();
        var pid = process.Id;
        Assert.False(Directory.Exists($"/proc/{pid}"));
        return pid;
    }
}
