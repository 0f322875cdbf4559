using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// Makes a tree ibuild wrote (a snapshot before it is renamed into the store) durable, and
/// nothing else on its file system: every regular file and every directory is fsynced. Symlinks,
/// devices and fifos cannot be opened for fsync; their inodes are written with their directory's
/// entries (ext4's and xfs's journals commit a directory's fsync with the inodes it names).
/// </summary>
/// <remarks>
/// Two passes: the first only starts the write-back of every file (sync_file_range, which does
/// not wait), so the disk sees the whole layer at once; the second fsyncs each file and directory,
/// by then mostly waiting for writes already under way, and the journal commits most of them in
/// one transaction instead of one per file.
/// </remarks>
public static class DurableTree
{
    /// <summary>fsyncs every regular file and directory under <paramref name="root"/>, and <paramref name="root"/> itself.</summary>
    public static void Sync(string root)
    {
        var files = new List<string>();
        var directories = new List<string>();
        Collect(root.TrimEnd('/'), files, directories);
        foreach (var file in files)
        {
            using var handle = Syscalls.OpenForSync(file, directory: false);
            Syscalls.StartWriteback(handle);
        }

        foreach (var file in files)
        {
            using var handle = Syscalls.OpenForSync(file, directory: false);
            Syscalls.Sync(handle);
        }

        // Deepest first: a directory's entries are durable after what they name.
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            SyncDirectory(directories[i]);
        }
    }

    /// <summary>fsync of a directory: the names in it (what was just renamed into it) survive a crash.</summary>
    public static void SyncDirectory(string directory)
    {
        using var handle = Syscalls.OpenForSync(directory, directory: true);
        Syscalls.Sync(handle);
    }

    private static void Collect(string directory, List<string> files, List<string> directories)
    {
        directories.Add(directory);
        foreach (var name in Syscalls.ListDirectory(directory))
        {
            var path = directory + "/" + name.Name;
            switch (Syscalls.LStat(path).FileType)
            {
                case FileStatus.TypeDirectory:
                    Collect(path, files, directories);
                    break;
                case FileStatus.TypeRegular:
                    files.Add(path);
                    break;
            }
        }
    }
}
