using ImageBuilder.Build.Copying;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;
using static ImageBuilder.Build.Tests.Copying.CopyFixture;

namespace ImageBuilder.Build.Tests.Copying;

public sealed class FileCopierTests : IDisposable
{
    private static readonly Func<string, bool> NothingIgnored = _ => false;
    private readonly CopyFixture _f = new();

    public void Dispose() => _f.Dispose();

    private void Copy(string[] sources, string dest, CopyOptions? options = null, string workdir = "/", Func<string, bool>? ignore = null, bool fromStage = false) =>
        FileCopier.Copy(_f.Source, fromStage ? null : ignore ?? NothingIgnored, sources, _f.Dest, dest, workdir, options ?? CopyOptions.Default);

    [RootFact]
    public void FileToANewNameKeepsModeAndTimeAndBecomesRootOwnedFromTheContext()
    {
        var source = _f.WriteSource("a.sh", "#!/bin/sh\n", 0x1ed);
        Chown(source, 1000, 1000);
        var time = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(source, time);
        Copy(["a.sh"], "/usr/bin/run");
        var status = Stat(_f.Dst("usr/bin/run"));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(_f.Dst("usr/bin/run")));
        Assert.Equal(0x1ed, status.Permissions);
        Assert.Equal((0u, 0u), (status.Uid, status.Gid));
        Assert.Equal(time, status.ModificationTime.UtcDateTime);
        Assert.Equal(0x1ed, ModeOf(_f.Dst("usr/bin")));
    }

    [RootFact]
    public void FromAStageTheOwnerIsKept()
    {
        var source = _f.WriteSource("a.txt", "a");
        Chown(source, 1000, 1001);
        Copy(["a.txt"], "/a.txt", fromStage: true);
        var status = Stat(_f.Dst("a.txt"));
        Assert.Equal((1000u, 1001u), (status.Uid, status.Gid));
    }

    [RootFact]
    public void TrailingSlashMakesTheDestinationADirectory()
    {
        _f.WriteSource("a.txt", "a");
        Copy(["a.txt"], "/opt/app/");
        Assert.Equal("a", File.ReadAllText(_f.Dst("opt/app/a.txt")));
    }

    [RootFact]
    public void FileToAnExistingDirectoryGoesInside()
    {
        _f.WriteSource("a.txt", "a");
        Directory.CreateDirectory(_f.Dst("opt"));
        Copy(["a.txt"], "/opt");
        Assert.Equal("a", File.ReadAllText(_f.Dst("opt/a.txt")));
    }

    [RootFact]
    public void RelativeDestinationIsTakenFromTheWorkingDirectory()
    {
        _f.WriteSource("a.txt", "a");
        Copy(["a.txt"], "conf/", workdir: "/srv/app");
        Assert.Equal("a", File.ReadAllText(_f.Dst("srv/app/conf/a.txt")));
        Copy(["a.txt"], ".", workdir: "/srv/app");
        Assert.Equal("a", File.ReadAllText(_f.Dst("srv/app/a.txt")));
    }

    [RootFact]
    public void DirectoryCopiesItsContentsWithNewSubdirectoriesTakingSourceMetadata()
    {
        _f.WriteSource("dir/top.txt", "t");
        _f.WriteSource("dir/sub/deep.txt", "d", 0x180);
        File.SetUnixFileMode(_f.Src("dir/sub"), (UnixFileMode)0x1c0);
        var time = new DateTime(2019, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Directory.SetLastWriteTimeUtc(_f.Src("dir/sub"), time);
        Copy(["dir"], "/x");
        Assert.False(Directory.Exists(_f.Dst("x/dir")));
        Assert.Equal("t", File.ReadAllText(_f.Dst("x/top.txt")));
        Assert.Equal("d", File.ReadAllText(_f.Dst("x/sub/deep.txt")));
        Assert.Equal(0x180, ModeOf(_f.Dst("x/sub/deep.txt")));
        Assert.Equal(0x1c0, ModeOf(_f.Dst("x/sub")));
        Assert.Equal(time, Stat(_f.Dst("x/sub")).ModificationTime.UtcDateTime);
        Assert.Equal(0x1ed, ModeOf(_f.Dst("x")));
    }

    [RootFact]
    public void ExistingDirectoryKeepsItsOwnerAndMode()
    {
        _f.WriteSource("dir/etc/conf", "c");
        Directory.CreateDirectory(_f.Dst("etc"));
        File.SetUnixFileMode(_f.Dst("etc"), (UnixFileMode)0x1e8);
        Chown(_f.Dst("etc"), 5, 6);
        Copy(["dir"], "/");
        Assert.Equal(0x1e8, ModeOf(_f.Dst("etc")));
        Assert.Equal((5u, 6u), (Stat(_f.Dst("etc")).Uid, Stat(_f.Dst("etc")).Gid));
        Assert.Equal("c", File.ReadAllText(_f.Dst("etc/conf")));
    }

    [RootFact]
    public void ChownAppliesToCopiedEntriesAndCreatedParents()
    {
        _f.WriteSource("dir/sub/a.txt", "a");
        Copy(["dir"], "/new/parent/app", CopyOptions.Default with { Uid = 1000, Gid = 2000 });
        foreach (var path in new[] { "new", "new/parent", "new/parent/app", "new/parent/app/sub", "new/parent/app/sub/a.txt" })
        {
            var status = Stat(_f.Dst(path));
            Assert.Equal((1000u, 2000u), (status.Uid, status.Gid));
        }

        Assert.Equal(0x1ed, ModeOf(_f.Dst("new/parent")));
    }

    [RootFact]
    public void ChmodOctalAppliesToFilesAndDirectories()
    {
        _f.WriteSource("dir/sub/a.txt", "a");
        Copy(["dir"], "/x/", CopyOptions.Default with { Chmod = "0750" });
        Assert.Equal(0x1e8, ModeOf(_f.Dst("x/sub/a.txt")));
        Assert.Equal(0x1e8, ModeOf(_f.Dst("x/sub")));
    }

    [RootFact]
    public void ChmodSymbolicChangesEachEntrysOwnBits()
    {
        _f.WriteSource("dir/run.sh", "r", 0x1e4);
        _f.WriteSource("dir/data.txt", "d", 0x1b6);
        Copy(["dir"], "/x/", CopyOptions.Default with { Chmod = "a+rX,go-w" });
        Assert.Equal(0x1ed, ModeOf(_f.Dst("x/run.sh")));
        Assert.Equal(0x1a4, ModeOf(_f.Dst("x/data.txt")));
    }

    [RootFact]
    public void BadChmodIsACopyError()
    {
        _f.WriteSource("a.txt", "a");
        var error = Assert.Throws<CopyException>(() => Copy(["a.txt"], "/a", CopyOptions.Default with { Chmod = "u+q" }));
        Assert.Contains("invalid chmod", error.Message);
    }

    [RootFact]
    public void SymlinksInsideACopiedDirectoryAreCopiedAsSymlinks()
    {
        _f.WriteSource("dir/a.txt", "a");
        File.CreateSymbolicLink(_f.Src("dir/link"), "/etc/passwd");
        Copy(["dir"], "/x");
        Assert.Equal("/etc/passwd", new FileInfo(_f.Dst("x/link")).LinkTarget);
        Assert.Equal(FileStatus.TypeSymlink, Stat(_f.Dst("x/link")).FileType);
    }

    [RootFact]
    public void SourceSymlinkIsFollowedOnlyInsideTheSourceRoot()
    {
        Directory.CreateDirectory(_f.Src("etc"));
        File.WriteAllText(_f.Src("etc/passwd"), "inside");
        File.CreateSymbolicLink(_f.Src("evil"), "/etc/passwd");
        File.CreateSymbolicLink(_f.Src("climb"), "../../../../../../etc/passwd");
        Copy(["evil"], "/got");
        Copy(["climb"], "/got2");
        Assert.Equal("inside", File.ReadAllText(_f.Dst("got")));
        Assert.Equal("inside", File.ReadAllText(_f.Dst("got2")));
        File.CreateSymbolicLink(_f.Src("nothing"), "/no/such/file");
        var error = Assert.Throws<CopyException>(() => Copy(["nothing"], "/n"));
        Assert.Equal("\"/nothing\": not found", error.Message);
    }

    [RootFact]
    public void ASymlinkLoopInAStageSourceOrTheDestinationIsRefused()
    {
        _f.WriteSource("a.txt", "a");
        File.CreateSymbolicLink(_f.Src("loop"), "loop");
        File.CreateSymbolicLink(_f.Dst("loop"), "loop");

        var source = Assert.Throws<CopyException>(() => Copy(["loop/"], "/x/"));
        var destination = Assert.Throws<CopyException>(() => Copy(["a.txt"], "/loop/"));

        Assert.Equal((CopyFailure.Refused, "\"/loop\": a symlink loop"), (source.Reason, source.Message));
        Assert.Equal((CopyFailure.Refused, "cannot copy to \"/loop\": the path runs into a symlink loop"), (destination.Reason, destination.Message));
    }

    [RootFact]
    public void SymlinkInTheDestinationNeverLeadsOutsideTheRoot()
    {
        Directory.CreateDirectory(_f.Outside);
        _f.WriteSource("a.txt", "a");
        File.CreateSymbolicLink(_f.Dst("escape"), "/");
        File.CreateSymbolicLink(_f.Dst("up"), "../../../../../../../" + _f.Outside.TrimStart('/'));
        Copy(["a.txt"], "/escape/etc/");
        Assert.Equal("a", File.ReadAllText(_f.Dst("etc/a.txt")));

        // A symlink that climbs out resolves inside the root, where its target does not exist:
        // the copy is refused rather than creating directories through a dangling link.
        Assert.Throws<CopyException>(() => Copy(["a.txt"], "/up/"));
        Assert.Empty(Directory.GetFileSystemEntries(_f.Outside));
    }

    [RootFact]
    public void IgnoredEntriesAreNeverCopiedButReincludedOnesAre()
    {
        _f.WriteSource("app/main.c", "m");
        _f.WriteSource("app/node_modules/x.js", "x");
        _f.WriteSource("app/node_modules/keep.js", "k");
        _f.WriteSource("app/debug.log", "l");
        bool Ignored(string p) => (p.StartsWith("app/node_modules", StringComparison.Ordinal) && p != "app/node_modules/keep.js") || p.EndsWith(".log", StringComparison.Ordinal);
        Copy(["app"], "/app", ignore: Ignored);
        Assert.True(File.Exists(_f.Dst("app/main.c")));
        Assert.False(File.Exists(_f.Dst("app/debug.log")));
        Assert.False(File.Exists(_f.Dst("app/node_modules/x.js")));
        Assert.Equal("k", File.ReadAllText(_f.Dst("app/node_modules/keep.js")));
        Assert.Throws<CopyException>(() => Copy(["app/debug.log"], "/d", ignore: Ignored));
    }

    [RootFact]
    public void ExistingFileIsReplaced()
    {
        _f.WriteSource("a.txt", "new");
        File.WriteAllText(_f.Dst("a.txt"), "old content that is longer");
        Copy(["a.txt"], "/a.txt");
        Assert.Equal("new", File.ReadAllText(_f.Dst("a.txt")));
    }

    [RootFact]
    public void DirectoryOverAFileConflicts()
    {
        _f.WriteSource("dir/a.txt", "a");
        File.WriteAllText(_f.Dst("x"), "file");
        var error = Assert.Throws<CopyException>(() => Copy(["dir"], "/x"));
        Assert.Equal("cannot copy to non-directory: /x", error.Message);
    }

    [RootFact]
    public void FileOverADirectoryInsideACopiedTreeConflicts()
    {
        _f.WriteSource("dir/a", "file");
        Directory.CreateDirectory(_f.Dst("x/a"));
        var error = Assert.Throws<CopyException>(() => Copy(["dir"], "/x"));
        Assert.Equal("cannot replace to directory /x/a with file", error.Message);
    }

    [RootFact]
    public void MissingSourceIsReportedLikeBuildKit()
    {
        var error = Assert.Throws<CopyException>(() => Copy(["missing.txt"], "/m"));
        Assert.Equal("\"/missing.txt\": not found", error.Message);
    }

    [RootFact]
    public void WildcardsCopyEveryMatchIntoADirectoryAndAnEmptyMatchIsNoError()
    {
        _f.WriteSource("a.txt", "a");
        _f.WriteSource("b.txt", "b");
        _f.WriteSource("c.md", "c");
        Copy(["*.txt"], "/w");
        Assert.Equal(["a.txt", "b.txt"], Directory.GetFiles(_f.Dst("w")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Copy(["*.none"], "/empty/");
        Assert.Empty(Directory.GetFileSystemEntries(_f.Dst("empty")));
    }

    [RootFact]
    public void SeveralSourcesGoIntoTheDestinationDirectory()
    {
        _f.WriteSource("a.txt", "a");
        _f.WriteSource("dir/b.txt", "b");
        Copy(["a.txt", "dir"], "/many/");
        Assert.True(File.Exists(_f.Dst("many/a.txt")));
        Assert.True(File.Exists(_f.Dst("many/b.txt")));
    }

    [RootFact]
    public void HardlinksWithinOneCopyArePreserved()
    {
        _f.WriteSource("dir/one", "shared");
        using (var dir = Syscalls.OpenResolutionRoot(_f.Src("dir")))
        {
            Syscalls.CreateHardlinkAt(dir, "one", dir, "two");
        }

        Copy(["dir"], "/h");
        Assert.Equal(Stat(_f.Dst("h/one")).Inode, Stat(_f.Dst("h/two")).Inode);
        Assert.Equal(2ul, Stat(_f.Dst("h/one")).LinkCount);
    }

    [RootFact]
    public void ExtendedAttributesAreKeptExceptOverlayOnes()
    {
        var source = _f.WriteSource("a.txt", "a");
        SetAttribute(source, "user.note", "hello"u8);
        SetAttribute(source, "trusted.overlay.opaque", "y"u8);
        Copy(["a.txt"], "/a.txt");
        Assert.Equal("hello"u8.ToArray(), Syscalls.GetExtendedAttribute(_f.Dst("a.txt"), "user.note"));
        Assert.Null(Syscalls.GetExtendedAttribute(_f.Dst("a.txt"), "trusted.overlay.opaque"));
    }

    [RootFact]
    public void ExcludePatternsLeaveMatchesOut()
    {
        _f.WriteSource("dir/a.txt", "a");
        _f.WriteSource("dir/b.md", "b");
        _f.WriteSource("dir/sub/c.txt", "c");
        Copy(["dir"], "/e", CopyOptions.Default with { Excludes = ["*.txt"] });
        Assert.True(File.Exists(_f.Dst("e/b.md")));
        Assert.False(File.Exists(_f.Dst("e/a.txt")));
        Assert.True(File.Exists(_f.Dst("e/sub/c.txt")));
    }

    [RootFact]
    public void ParentsKeepTheSourcePath()
    {
        _f.WriteSource("x/a/b/file.txt", "f");
        _f.WriteSource("x/a/other.txt", "o");
        Copy(["x/a/b/file.txt"], "/p/", CopyOptions.Default with { Parents = true });
        Assert.Equal("f", File.ReadAllText(_f.Dst("p/x/a/b/file.txt")));
        Assert.False(File.Exists(_f.Dst("p/x/a/other.txt")));
        Copy(["x/./a/b/file.txt"], "/q/", CopyOptions.Default with { Parents = true });
        Assert.Equal("f", File.ReadAllText(_f.Dst("q/a/b/file.txt")));
    }

    [RootFact]
    public void HeredocContentsAreWrittenAs0644Files()
    {
        FileCopier.CopyContents([("hello.sh", "echo hi\n")], _f.Dest, "/scripts/", "/", CopyOptions.Default);
        Assert.Equal("echo hi\n", File.ReadAllText(_f.Dst("scripts/hello.sh")));
        Assert.Equal(0x1a4, ModeOf(_f.Dst("scripts/hello.sh")));
        FileCopier.CopyContents([("x", "data")], _f.Dest, "/named", "/", CopyOptions.Default with { Chmod = "755", Uid = 7, Gid = 8 });
        Assert.Equal(0x1ed, ModeOf(_f.Dst("named")));
        Assert.Equal((7u, 8u), (Stat(_f.Dst("named")).Uid, Stat(_f.Dst("named")).Gid));
    }
}
