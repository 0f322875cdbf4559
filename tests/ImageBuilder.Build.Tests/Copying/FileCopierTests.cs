using ImageBuilder.Build.Copying;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;
using static ImageBuilder.Build.Tests.Copying.CopyFixture;

namespace ImageBuilder.Build.Tests.Copying;

public sealed class FileCopierTests : IDisposable
{
    private static readonly Func<string, bool> NothingIgnored = _ => false;
    private readonly CopyFixture f = new();

    public void Dispose() => f.Dispose();

    private void Copy(string[] sources, string dest, CopyOptions? options = null, string workdir = "/", Func<string, bool>? ignore = null, bool fromStage = false) =>
        FileCopier.Copy(f.Source, fromStage ? null : ignore ?? NothingIgnored, sources, f.Dest, dest, workdir, options ?? CopyOptions.Default);

    [RootFact]
    public void File_to_a_new_name_keeps_mode_and_time_and_becomes_root_owned_from_the_context()
    {
        var source = f.WriteSource("a.sh", "#!/bin/sh\n", 0x1ed);
        Chown(source, 1000, 1000);
        var time = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(source, time);
        Copy(["a.sh"], "/usr/bin/run");
        var status = Stat(f.Dst("usr/bin/run"));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(f.Dst("usr/bin/run")));
        Assert.Equal(0x1ed, status.Permissions);
        Assert.Equal((0u, 0u), (status.Uid, status.Gid));
        Assert.Equal(time, status.ModificationTime.UtcDateTime);
        Assert.Equal(0x1ed, ModeOf(f.Dst("usr/bin")));
    }

    [RootFact]
    public void From_a_stage_the_owner_is_kept()
    {
        var source = f.WriteSource("a.txt", "a");
        Chown(source, 1000, 1001);
        Copy(["a.txt"], "/a.txt", fromStage: true);
        var status = Stat(f.Dst("a.txt"));
        Assert.Equal((1000u, 1001u), (status.Uid, status.Gid));
    }

    [RootFact]
    public void Trailing_slash_makes_the_destination_a_directory()
    {
        f.WriteSource("a.txt", "a");
        Copy(["a.txt"], "/opt/app/");
        Assert.Equal("a", File.ReadAllText(f.Dst("opt/app/a.txt")));
    }

    [RootFact]
    public void File_to_an_existing_directory_goes_inside()
    {
        f.WriteSource("a.txt", "a");
        Directory.CreateDirectory(f.Dst("opt"));
        Copy(["a.txt"], "/opt");
        Assert.Equal("a", File.ReadAllText(f.Dst("opt/a.txt")));
    }

    [RootFact]
    public void Relative_destination_is_taken_from_the_working_directory()
    {
        f.WriteSource("a.txt", "a");
        Copy(["a.txt"], "conf/", workdir: "/srv/app");
        Assert.Equal("a", File.ReadAllText(f.Dst("srv/app/conf/a.txt")));
        Copy(["a.txt"], ".", workdir: "/srv/app");
        Assert.Equal("a", File.ReadAllText(f.Dst("srv/app/a.txt")));
    }

    [RootFact]
    public void Directory_copies_its_contents_with_new_subdirectories_taking_source_metadata()
    {
        f.WriteSource("dir/top.txt", "t");
        f.WriteSource("dir/sub/deep.txt", "d", 0x180);
        File.SetUnixFileMode(f.Src("dir/sub"), (UnixFileMode)0x1c0);
        var time = new DateTime(2019, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Directory.SetLastWriteTimeUtc(f.Src("dir/sub"), time);
        Copy(["dir"], "/x");
        Assert.False(Directory.Exists(f.Dst("x/dir")));
        Assert.Equal("t", File.ReadAllText(f.Dst("x/top.txt")));
        Assert.Equal("d", File.ReadAllText(f.Dst("x/sub/deep.txt")));
        Assert.Equal(0x180, ModeOf(f.Dst("x/sub/deep.txt")));
        Assert.Equal(0x1c0, ModeOf(f.Dst("x/sub")));
        Assert.Equal(time, Stat(f.Dst("x/sub")).ModificationTime.UtcDateTime);
        Assert.Equal(0x1ed, ModeOf(f.Dst("x")));
    }

    [RootFact]
    public void Existing_directory_keeps_its_owner_and_mode()
    {
        f.WriteSource("dir/etc/conf", "c");
        Directory.CreateDirectory(f.Dst("etc"));
        File.SetUnixFileMode(f.Dst("etc"), (UnixFileMode)0x1e8);
        Chown(f.Dst("etc"), 5, 6);
        Copy(["dir"], "/");
        Assert.Equal(0x1e8, ModeOf(f.Dst("etc")));
        Assert.Equal((5u, 6u), (Stat(f.Dst("etc")).Uid, Stat(f.Dst("etc")).Gid));
        Assert.Equal("c", File.ReadAllText(f.Dst("etc/conf")));
    }

    [RootFact]
    public void Chown_applies_to_copied_entries_and_created_parents()
    {
        f.WriteSource("dir/sub/a.txt", "a");
        Copy(["dir"], "/new/parent/app", CopyOptions.Default with { Uid = 1000, Gid = 2000 });
        foreach (var path in new[] { "new", "new/parent", "new/parent/app", "new/parent/app/sub", "new/parent/app/sub/a.txt" })
        {
            var status = Stat(f.Dst(path));
            Assert.Equal((1000u, 2000u), (status.Uid, status.Gid));
        }

        Assert.Equal(0x1ed, ModeOf(f.Dst("new/parent")));
    }

    [RootFact]
    public void Chmod_octal_applies_to_files_and_directories()
    {
        f.WriteSource("dir/sub/a.txt", "a");
        Copy(["dir"], "/x/", CopyOptions.Default with { Chmod = "0750" });
        Assert.Equal(0x1e8, ModeOf(f.Dst("x/sub/a.txt")));
        Assert.Equal(0x1e8, ModeOf(f.Dst("x/sub")));
    }

    [RootFact]
    public void Chmod_symbolic_changes_each_entrys_own_bits()
    {
        f.WriteSource("dir/run.sh", "r", 0x1e4);
        f.WriteSource("dir/data.txt", "d", 0x1b6);
        Copy(["dir"], "/x/", CopyOptions.Default with { Chmod = "a+rX,go-w" });
        Assert.Equal(0x1ed, ModeOf(f.Dst("x/run.sh")));
        Assert.Equal(0x1a4, ModeOf(f.Dst("x/data.txt")));
    }

    [RootFact]
    public void Bad_chmod_is_a_copy_error()
    {
        f.WriteSource("a.txt", "a");
        var error = Assert.Throws<CopyException>(() => Copy(["a.txt"], "/a", CopyOptions.Default with { Chmod = "u+q" }));
        Assert.Contains("invalid chmod", error.Message);
    }

    [RootFact]
    public void Symlinks_inside_a_copied_directory_are_copied_as_symlinks()
    {
        f.WriteSource("dir/a.txt", "a");
        File.CreateSymbolicLink(f.Src("dir/link"), "/etc/passwd");
        Copy(["dir"], "/x");
        Assert.Equal("/etc/passwd", new FileInfo(f.Dst("x/link")).LinkTarget);
        Assert.Equal(FileStatus.TypeSymlink, Stat(f.Dst("x/link")).FileType);
    }

    [RootFact]
    public void Source_symlink_is_followed_only_inside_the_source_root()
    {
        Directory.CreateDirectory(f.Src("etc"));
        File.WriteAllText(f.Src("etc/passwd"), "inside");
        File.CreateSymbolicLink(f.Src("evil"), "/etc/passwd");
        File.CreateSymbolicLink(f.Src("climb"), "../../../../../../etc/passwd");
        Copy(["evil"], "/got");
        Copy(["climb"], "/got2");
        Assert.Equal("inside", File.ReadAllText(f.Dst("got")));
        Assert.Equal("inside", File.ReadAllText(f.Dst("got2")));
        File.CreateSymbolicLink(f.Src("nothing"), "/no/such/file");
        var error = Assert.Throws<CopyException>(() => Copy(["nothing"], "/n"));
        Assert.Equal("\"/nothing\": not found", error.Message);
    }

    [RootFact]
    public void A_symlink_loop_in_a_stage_source_or_the_destination_is_refused()
    {
        f.WriteSource("a.txt", "a");
        File.CreateSymbolicLink(f.Src("loop"), "loop");
        File.CreateSymbolicLink(f.Dst("loop"), "loop");

        var source = Assert.Throws<CopyException>(() => Copy(["loop/"], "/x/"));
        var destination = Assert.Throws<CopyException>(() => Copy(["a.txt"], "/loop/"));

        Assert.Equal((CopyFailure.Refused, "\"/loop\": a symlink loop"), (source.Reason, source.Message));
        Assert.Equal((CopyFailure.Refused, "cannot copy to \"/loop\": the path runs into a symlink loop"), (destination.Reason, destination.Message));
    }

    [RootFact]
    public void Symlink_in_the_destination_never_leads_outside_the_root()
    {
        Directory.CreateDirectory(f.Outside);
        f.WriteSource("a.txt", "a");
        File.CreateSymbolicLink(f.Dst("escape"), "/");
        File.CreateSymbolicLink(f.Dst("up"), "../../../../../../../" + f.Outside.TrimStart('/'));
        Copy(["a.txt"], "/escape/etc/");
        Assert.Equal("a", File.ReadAllText(f.Dst("etc/a.txt")));

        // A symlink that climbs out resolves inside the root, where its target does not exist:
        // the copy is refused rather than creating directories through a dangling link.
        Assert.Throws<CopyException>(() => Copy(["a.txt"], "/up/"));
        Assert.Empty(Directory.GetFileSystemEntries(f.Outside));
    }

    [RootFact]
    public void Ignored_entries_are_never_copied_but_reincluded_ones_are()
    {
        f.WriteSource("app/main.c", "m");
        f.WriteSource("app/node_modules/x.js", "x");
        f.WriteSource("app/node_modules/keep.js", "k");
        f.WriteSource("app/debug.log", "l");
        bool Ignored(string p) => (p.StartsWith("app/node_modules", StringComparison.Ordinal) && p != "app/node_modules/keep.js") || p.EndsWith(".log", StringComparison.Ordinal);
        Copy(["app"], "/app", ignore: Ignored);
        Assert.True(File.Exists(f.Dst("app/main.c")));
        Assert.False(File.Exists(f.Dst("app/debug.log")));
        Assert.False(File.Exists(f.Dst("app/node_modules/x.js")));
        Assert.Equal("k", File.ReadAllText(f.Dst("app/node_modules/keep.js")));
        Assert.Throws<CopyException>(() => Copy(["app/debug.log"], "/d", ignore: Ignored));
    }

    [RootFact]
    public void Existing_file_is_replaced()
    {
        f.WriteSource("a.txt", "new");
        File.WriteAllText(f.Dst("a.txt"), "old content that is longer");
        Copy(["a.txt"], "/a.txt");
        Assert.Equal("new", File.ReadAllText(f.Dst("a.txt")));
    }

    [RootFact]
    public void Directory_over_a_file_conflicts()
    {
        f.WriteSource("dir/a.txt", "a");
        File.WriteAllText(f.Dst("x"), "file");
        var error = Assert.Throws<CopyException>(() => Copy(["dir"], "/x"));
        Assert.Equal("cannot copy to non-directory: /x", error.Message);
    }

    [RootFact]
    public void File_over_a_directory_inside_a_copied_tree_conflicts()
    {
        f.WriteSource("dir/a", "file");
        Directory.CreateDirectory(f.Dst("x/a"));
        var error = Assert.Throws<CopyException>(() => Copy(["dir"], "/x"));
        Assert.Equal("cannot replace to directory /x/a with file", error.Message);
    }

    [RootFact]
    public void Missing_source_is_reported_like_build_kit()
    {
        var error = Assert.Throws<CopyException>(() => Copy(["missing.txt"], "/m"));
        Assert.Equal("\"/missing.txt\": not found", error.Message);
    }

    [RootFact]
    public void Wildcards_copy_every_match_into_a_directory_and_an_empty_match_is_no_error()
    {
        f.WriteSource("a.txt", "a");
        f.WriteSource("b.txt", "b");
        f.WriteSource("c.md", "c");
        Copy(["*.txt"], "/w");
        Assert.Equal(["a.txt", "b.txt"], Directory.GetFiles(f.Dst("w")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Copy(["*.none"], "/empty/");
        Assert.Empty(Directory.GetFileSystemEntries(f.Dst("empty")));
    }

    [RootFact]
    public void Several_sources_go_into_the_destination_directory()
    {
        f.WriteSource("a.txt", "a");
        f.WriteSource("dir/b.txt", "b");
        Copy(["a.txt", "dir"], "/many/");
        Assert.True(File.Exists(f.Dst("many/a.txt")));
        Assert.True(File.Exists(f.Dst("many/b.txt")));
    }

    [RootFact]
    public void Hardlinks_within_one_copy_are_preserved()
    {
        f.WriteSource("dir/one", "shared");
        using (var dir = Syscalls.OpenResolutionRoot(f.Src("dir")))
        {
            Syscalls.CreateHardlinkAt(dir, "one", dir, "two");
        }

        Copy(["dir"], "/h");
        Assert.Equal(Stat(f.Dst("h/one")).Inode, Stat(f.Dst("h/two")).Inode);
        Assert.Equal(2ul, Stat(f.Dst("h/one")).LinkCount);
    }

    [RootFact]
    public void Extended_attributes_are_kept_except_overlay_ones()
    {
        var source = f.WriteSource("a.txt", "a");
        SetAttribute(source, "user.note", "hello"u8);
        SetAttribute(source, "trusted.overlay.opaque", "y"u8);
        Copy(["a.txt"], "/a.txt");
        Assert.Equal("hello"u8.ToArray(), Syscalls.GetExtendedAttribute(f.Dst("a.txt"), "user.note"));
        Assert.Null(Syscalls.GetExtendedAttribute(f.Dst("a.txt"), "trusted.overlay.opaque"));
    }

    [RootFact]
    public void Exclude_patterns_leave_matches_out()
    {
        f.WriteSource("dir/a.txt", "a");
        f.WriteSource("dir/b.md", "b");
        f.WriteSource("dir/sub/c.txt", "c");
        Copy(["dir"], "/e", CopyOptions.Default with { Excludes = ["*.txt"] });
        Assert.True(File.Exists(f.Dst("e/b.md")));
        Assert.False(File.Exists(f.Dst("e/a.txt")));
        Assert.True(File.Exists(f.Dst("e/sub/c.txt")));
    }

    [RootFact]
    public void Parents_keep_the_source_path()
    {
        f.WriteSource("x/a/b/file.txt", "f");
        f.WriteSource("x/a/other.txt", "o");
        Copy(["x/a/b/file.txt"], "/p/", CopyOptions.Default with { Parents = true });
        Assert.Equal("f", File.ReadAllText(f.Dst("p/x/a/b/file.txt")));
        Assert.False(File.Exists(f.Dst("p/x/a/other.txt")));
        Copy(["x/./a/b/file.txt"], "/q/", CopyOptions.Default with { Parents = true });
        Assert.Equal("f", File.ReadAllText(f.Dst("q/a/b/file.txt")));
    }

    [RootFact]
    public void Heredoc_contents_are_written_as0644_files()
    {
        FileCopier.CopyContents([("hello.sh", "echo hi\n")], f.Dest, "/scripts/", "/", CopyOptions.Default);
        Assert.Equal("echo hi\n", File.ReadAllText(f.Dst("scripts/hello.sh")));
        Assert.Equal(0x1a4, ModeOf(f.Dst("scripts/hello.sh")));
        FileCopier.CopyContents([("x", "data")], f.Dest, "/named", "/", CopyOptions.Default with { Chmod = "755", Uid = 7, Gid = 8 });
        Assert.Equal(0x1ed, ModeOf(f.Dst("named")));
        Assert.Equal((7u, 8u), (Stat(f.Dst("named")).Uid, Stat(f.Dst("named")).Gid));
    }
}
