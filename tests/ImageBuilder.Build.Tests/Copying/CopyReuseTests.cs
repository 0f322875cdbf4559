using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Build.Copying;
using ImageBuilder.Linux.Layers;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Copying;

/// <summary>
/// A copy that starts from its previous run's tree (shared with hard links) against a full copy
/// of the same sources: the two trees must be the same entry for entry — kind, mode, owner, time,
/// size, link target, attributes, content, hard links inside the tree — for every kind of change.
/// </summary>
public sealed class CopyReuseTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Source => Directory.CreateDirectory(dir.Combine("src")).FullName;

    [RootTheory]
    [InlineData("modify")]
    [InlineData("add")]
    [InlineData("remove")]
    [InlineData("rename")]
    [InlineData("mode")]
    [InlineData("time")]
    [InlineData("attribute")]
    [InlineData("file to directory")]
    [InlineData("directory to file")]
    [InlineData("file to symlink")]
    [InlineData("symlink target")]
    [InlineData("hard link")]
    [InlineData("hard link broken")]
    [InlineData("emptied directory")]
    [InlineData("nothing")]
    public void Starting_from_the_previous_tree_gives_what_a_full_copy_gives(string change)
    {
        Write("a.txt", "first");
        Write("sub/b.txt", "second");
        Write("sub/deep/c.txt", "third");
        Write("other/d.txt", "fourth");
        File.CreateSymbolicLink(Path.Combine(Source, "link"), "a.txt");
        Link("sub/b.txt", "sub/b-again.txt");
        var before = new CopyReuse(Hash);
        var previous = Copy("previous", before);

        Change(change);
        var reuse = new CopyReuse(Hash, previous, before.Written);
        var incremental = Directory.CreateDirectory(dir.Combine("incremental")).FullName;
        reuse.StartFromPrevious(incremental, Source);
        Copy("incremental", reuse);
        reuse.RemoveStale(incremental);
        var full = Copy("full", new CopyReuse(Hash));

        Assert.Equal(Describe(full), Describe(incremental));
        Assert.True(reuse.Kept > 0);
        if (change == "nothing")
        {
            Assert.Equal(2, reuse.Rewritten); // b.txt and b-again.txt, a hard-link group, are always written
            Assert.Equal(0, reuse.Removed);
        }
    }

    [RootFact]
    public void Unchanged_files_are_the_previous_tree_s_inodes_and_changed_ones_new_inodes()
    {
        Write("same.txt", "same");
        Write("changed.txt", "before");
        var before = new CopyReuse(Hash);
        var previous = Copy("previous", before);
        File.AppendAllText(Path.Combine(Source, "changed.txt"), " and after");

        var reuse = new CopyReuse(Hash, previous, before.Written);
        var incremental = Directory.CreateDirectory(dir.Combine("incremental")).FullName;
        reuse.StartFromPrevious(incremental, Source);
        Copy("incremental", reuse);
        reuse.RemoveStale(incremental);

        Assert.Equal(CopyFixture.Stat(Path.Combine(previous, "out/same.txt")).Inode, CopyFixture.Stat(Path.Combine(incremental, "out/same.txt")).Inode);
        Assert.NotEqual(CopyFixture.Stat(Path.Combine(previous, "out/changed.txt")).Inode, CopyFixture.Stat(Path.Combine(incremental, "out/changed.txt")).Inode);
        Assert.Equal("before", File.ReadAllText(Path.Combine(previous, "out/changed.txt")));
        Assert.Equal(1, reuse.Rewritten);
    }

    [RootFact]
    public void A_directory_the_previous_run_made_whose_mode_changed_is_a_mismatch()
    {
        Write("sub/b.txt", "b");
        var before = new CopyReuse(Hash);
        var previous = Copy("previous", before);
        File.SetUnixFileMode(Path.Combine(Source, "sub"), (UnixFileMode)0x1c0);

        var reuse = new CopyReuse(Hash, previous, before.Written);
        var incremental = Directory.CreateDirectory(dir.Combine("incremental")).FullName;
        reuse.StartFromPrevious(incremental, Source);
        Assert.Throws<CopyReuseMismatchException>(() => Copy("incremental", reuse));
    }

    [Fact]
    public void A_manifest_reads_back_as_written_and_a_damaged_one_reads_as_none()
    {
        var manifest = new CopyManifest();
        manifest.Entries["out/a.txt"] = new CopyManifestEntry("a.txt", Directory: false, Created: false, "f1");
        manifest.Entries["out/sub"] = new CopyManifestEntry("sub", Directory: true, Created: true, "d1");
        manifest.Entries["out/link"] = new CopyManifestEntry("link", Directory: false, Created: false, null);

        var read = CopyManifest.TryParse(manifest.ToJson());

        Assert.Equal(manifest.Entries.OrderBy(e => e.Key, StringComparer.Ordinal), read!.Entries.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Null(CopyManifest.TryParse("{\"version\":1,\"entries\":[[1]]}"u8.ToArray()));
        Assert.Null(CopyManifest.TryParse("{\"version\":2,\"entries\":[]}"u8.ToArray()));
        Assert.Null(CopyManifest.TryParse("not json"u8.ToArray()));
    }

    [RootFact]
    public void A_source_that_turns_into_a_file_under_a_destination_two_sources_share_keeps_the_other_source_s_files()
    {
        // COPY sub other /out/: both directories' contents meet in /out, which the record files
        // under the first source. When sub becomes a file, /out goes from the shared tree with
        // everything in it, other's unchanged files included: they must be written again.
        Write("sub/b.txt", "second");
        Write("other/d.txt", "fourth");
        Write("other/deeper/e.txt", "fifth");
        string[] sources = ["sub", "other"];
        var before = new CopyReuse(Hash);
        var previous = Copy("previous", before, sources);

        Directory.Delete(Path.Combine(Source, "sub"), recursive: true);
        Write("sub", "now a file");
        var reuse = new CopyReuse(Hash, previous, before.Written);
        var incremental = Directory.CreateDirectory(dir.Combine("incremental")).FullName;
        reuse.StartFromPrevious(incremental, Source);
        Copy("incremental", reuse, sources);
        reuse.RemoveStale(incremental);
        var full = Copy("full", new CopyReuse(Hash), sources);

        Assert.Contains(Describe(full), line => line.StartsWith("out/d.txt ", StringComparison.Ordinal));
        Assert.Equal(Describe(full), Describe(incremental));
    }

    private void Change(string change)
    {
        string At(string relative) => Path.Combine(Source, relative);
        switch (change)
        {
            case "modify":
                File.AppendAllText(At("sub/deep/c.txt"), " changed");
                break;
            case "add":
                Write("sub/new.txt", "new");
                Write("new/dir/e.txt", "new dir");
                break;
            case "remove":
                File.Delete(At("sub/deep/c.txt"));
                break;
            case "rename":
                File.Move(At("other/d.txt"), At("other/renamed.txt"));
                break;
            case "mode":
                File.SetUnixFileMode(At("a.txt"), (UnixFileMode)0x1ed);
                break;
            case "time":
                File.SetLastWriteTimeUtc(At("a.txt"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
                break;
            case "attribute":
                CopyFixture.SetAttribute(At("a.txt"), "user.note", "hello"u8);
                break;
            case "file to directory":
                File.Delete(At("a.txt"));
                Write("a.txt/inner.txt", "inner");
                break;
            case "directory to file":
                Directory.Delete(At("sub/deep"), recursive: true);
                Write("sub/deep", "now a file");
                break;
            case "file to symlink":
                File.Delete(At("other/d.txt"));
                File.CreateSymbolicLink(At("other/d.txt"), "../a.txt");
                break;
            case "symlink target":
                File.Delete(At("link"));
                File.CreateSymbolicLink(At("link"), "sub/b.txt");
                break;
            case "hard link":
                Link("a.txt", "other/a-again.txt");
                break;
            case "hard link broken":
                File.Delete(At("sub/b-again.txt"));
                File.Copy(At("sub/b.txt"), At("sub/b-again.txt"));
                File.SetLastWriteTimeUtc(At("sub/b-again.txt"), File.GetLastWriteTimeUtc(At("sub/b.txt")));
                break;
            case "emptied directory":
                File.Delete(At("other/d.txt"));
                break;
            case "nothing":
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "no such change");
        }
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private void Link(string existing, string name)
    {
        using var ln = System.Diagnostics.Process.Start("ln", [Path.Combine(Source, existing), Path.Combine(Source, name)]);
        ln.WaitForExit();
        Assert.Equal(0, ln.ExitCode);
    }

    /// <summary>COPY . /out/ (or the <paramref name="sources"/> given) into a new directory <paramref name="name"/>, or into it as it is when it exists.</summary>
    private string Copy(string name, CopyReuse reuse, string[]? sources = null)
    {
        var root = Directory.CreateDirectory(dir.Combine(name)).FullName;
        FileCopier.Copy(Source, _ => false, sources ?? ["."], root, "/out/", "/", CopyOptions.Default, reuse);
        return root;
    }

    private string? Hash(string path, long size, long modified, ulong inode) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Source, path))));

    /// <summary>Every entry as the layer packer reads it, with the content of files, one line each.</summary>
    private static List<string> Describe(string root) => [.. new FileTreeReader().Enumerate(root).Select(e =>
    {
        var text = new StringBuilder($"{e.Path} {e.Kind} {e.Mode} {e.Uid}:{e.Gid} {e.ModificationTime.UtcTicks} {e.Size} {e.LinkTarget}");
        foreach (var (attribute, value) in e.ExtendedAttributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            text.Append($" {attribute}={Convert.ToHexString(value)}");
        }

        return e.Kind == Core.Layers.FileTreeEntryKind.RegularFile ? text.Append(' ').Append(File.ReadAllText(Path.Combine(root, e.Path))).ToString() : text.ToString();
    })];
}
