using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// Gives every entry of a directory tree one modification (and access) time — symlinks their
/// own, never what they point at; directories after their content, so writing a child does not
/// move a parent's time again. (ADD of a git repository with <c>?mtime=commit</c>.)
/// </summary>
public static class TreeTimes
{
    public static void Set(string directory, DateTimeOffset time)
    {
        using var root = Syscalls.OpenResolutionRoot(directory);
        using var opened = Syscalls.OpenDirectoryInRoot(root, "", pathOnly: false);
        SetUnder(opened, time);
        Syscalls.SetTimes(opened, time);
    }

    private static void SetUnder(SafeFileHandle directory, DateTimeOffset time)
    {
        foreach (var name in Syscalls.ReadDirectoryNames(directory))
        {
            if (Syscalls.GetNodeTypeNoFollow(directory, name) == FileNodeType.Directory)
            {
                using var child = Syscalls.OpenDirectoryNoFollow(directory, name);
                SetUnder(child, time);
                Syscalls.SetTimes(child, time);
            }
            else
            {
                Syscalls.SetTimesNoFollow(directory, name, time);
            }
        }
    }
}
