using System.Collections.Concurrent;

namespace ImageBuilder.Linux.Rootless;

/// <summary>
/// Device nodes of layers that rootless ibuild could not create: a user namespace may not make
/// device nodes (only overlayfs whiteouts). As Podman does, they are left out of the snapshot
/// (the layer's blob keeps them, and a container's /dev is its own anyway); the command line
/// says which were left out at the end of the command, so no build goes on silently.
/// </summary>
public static class SkippedDeviceNodes
{
    private static readonly ConcurrentQueue<string> Paths = new();

    internal static void Add(string path) => Paths.Enqueue("/" + path);

    /// <summary>The paths left out since the last call, in order.</summary>
    public static IReadOnlyList<string> TakeAll()
    {
        var taken = new List<string>();
        while (Paths.TryDequeue(out var path))
        {
            taken.Add(path);
        }

        return taken;
    }
}
