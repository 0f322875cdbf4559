using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>The busybox root filesystem tarball the examples use (scripts/make-busybox-rootfs.sh), made once per run.</summary>
internal static class BusyboxRootfs
{
    private static readonly Lazy<Task<string>> Tarball = new(async () =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"ibuild-test-rootfs-{Environment.ProcessId}.tar");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        (await Tools.Run("bash", Path.Combine(RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), path)).Ok();
        return path;
    });

    public static Task<string> PathAsync() => Tarball.Value;

    /// <summary>The tarball unpacked by GNU tar: the tree every tool must reproduce.</summary>
    public static async Task<string> ExtractAsync(string destination)
    {
        Directory.CreateDirectory(destination);
        (await Tools.Run("tar", "--numeric-owner", "-xpf", await PathAsync(), "-C", destination)).Ok();
        return destination;
    }
}
