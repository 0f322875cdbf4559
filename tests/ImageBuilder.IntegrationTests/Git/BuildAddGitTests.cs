using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Git;

/// <summary>
/// ADD of git repositories served on 127.0.0.1 by the real git (git daemon, and smart HTTP
/// through git http-backend); the images read back with skopeo and umoci.
/// </summary>
public sealed class BuildAddGitTests : IDisposable
{
    private const string Date = "2001-02-03T04:05:06Z";
    private readonly BuildFixture fixture = new();
    private readonly GitRepositories repositories = new();
    private readonly GitDaemon daemon;
    private readonly GitHttpServer http;

    public BuildAddGitTests()
    {
        daemon = new GitDaemon(repositories);
        http = new GitHttpServer(repositories);
    }

    public void Dispose()
    {
        http.Dispose();
        daemon.Dispose();
        repositories.Dispose();
        fixture.Dispose();
    }

    private string App(string readme = "hello\n")
    {
        var commit = repositories.Commit("app", new Dictionary<string, string> { ["README"] = readme, ["docs/guide.txt"] = "guide\n" }, Date);
        return commit;
    }

    [RootFact]
    public async Task A_branch_a_tag_and_a_subdirectory_are_checked_out_without_a_git_directory()
    {
        await fixture.ImportBaseAsync();
        App();
        var work = repositories.WorkTree("app");
        GitRepositories.Git(work, "tag", "v1");
        GitRepositories.Git(work, "tag", "-a", "v2", "-m", "annotated");
        repositories.Commit("app", new Dictionary<string, string> { ["README"] = "after the tags\n" });
        var url = daemon.Url("app");

        (await fixture.BuildAsync($"FROM box:1\nADD {url} /main\nADD {url}#v1 /v1\nADD {url}#v2:docs /docs\n", "-t", "g:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("g:1");
        Assert.Equal("after the tags\n", File.ReadAllText(Path.Combine(rootfs, "main/README")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(rootfs, "v1/README")));
        Assert.Equal(["guide.txt"], Directory.GetFileSystemEntries(Path.Combine(rootfs, "docs")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "main/.git")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(rootfs, "main/README")));
    }

    [RootFact]
    public async Task Keep_git_dir_leaves_a_repository_at_the_commit_with_its_remote_and_nothing_else()
    {
        await fixture.ImportBaseAsync();
        var commit = App();
        var url = daemon.Url("app");

        (await fixture.BuildAsync($"FROM box:1\nADD --keep-git-dir {url}#main /kept\nADD {url}?ref=main&keep-git-dir=true /query\n", "-t", "k:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("k:1");
        foreach (var kept in new[] { "kept", "query" })
        {
            var tree = Path.Combine(rootfs, kept);
            Assert.Equal(commit, GitRepositories.Git(tree, "rev-parse", "HEAD").Trim());
            Assert.Equal("", GitRepositories.Git(tree, "status", "--porcelain"));
            Assert.Equal(url, GitRepositories.Git(tree, "remote", "get-url", "origin").Trim());
            Assert.False(File.Exists(Path.Combine(tree, ".git/FETCH_HEAD")));
        }
    }

    [RootFact]
    public async Task An_unchanged_ref_is_a_cache_hit_that_fetches_nothing_and_a_new_commit_misses()
    {
        await fixture.ImportBaseAsync();
        App("one\n");
        var dockerfile = $"FROM box:1\nADD {http.Url("app")}#main /src\n";

        (await fixture.BuildAsync(dockerfile, "-t", "c:1")).Ok();
        var fetched = http.Fetches;
        Assert.True(fetched > 0, "the first build fetched the commit");

        var again = (await fixture.BuildAsync(dockerfile, "-t", "c:2")).Ok();
        Assert.Contains("#2 CACHED", again.Stderr);
        Assert.Equal(fetched, http.Fetches);
        Assert.Equal(await fixture.IdAsync("c:1"), await fixture.IdAsync("c:2"));

        App("two\n");
        var changed = (await fixture.BuildAsync(dockerfile, "-t", "c:3")).Ok();
        Assert.DoesNotContain("#2 CACHED", changed.Stderr);
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("c:3"), "src/README")));
    }

    [RootFact]
    public async Task A_checksum_that_is_not_the_commits_stops_the_build_and_a_prefix_of_it_passes()
    {
        await fixture.ImportBaseAsync();
        var commit = App();
        var url = daemon.Url("app");

        var wrong = await fixture.BuildAsync($"FROM box:1\nADD --checksum=deadbeef {url} /src\n");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2005: ADD failed:", wrong.Stderr);
        Assert.Contains($"expected checksum to match deadbeef, got {commit}", wrong.Stderr);
        Assert.DoesNotContain("   at ", wrong.Stderr);

        (await fixture.BuildAsync($"FROM box:1\nADD --checksum={commit[..12]} {url} /src\n")).Ok();
    }

    [RootFact]
    public async Task A_private_repository_is_read_with_GIT_AUTH_TOKEN_and_the_token_is_kept_out_of_the_store()
    {
        await fixture.ImportBaseAsync();
        App();
        const string Token = "s3cr3t-token-0a1b2c3d4e5f";
        http.RequiredToken = Token;
        var dockerfile = $"FROM box:1\nADD {http.Url("app")} /src\n";

        var refused = await fixture.BuildAsync(dockerfile);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("IB2005", refused.Stderr);
        Assert.True(http.Refused > 0);

        var tokenFile = Path.Combine(fixture.Context, "..", "token");
        File.WriteAllText(tokenFile, Token + "\n");
        var secret = $"id=GIT_AUTH_TOKEN.127.0.0.1:{http.Port},src={tokenFile}";
        (await fixture.BuildAsync(dockerfile + $"ADD --keep-git-dir {http.Url("app")} /kept\n", "-t", "p:1", "--secret", secret)).Ok();
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(await fixture.UnpackWithUmociAsync("p:1"), "src/README")));

        // Neither the token nor the header git was given (nor git's name for it) is anywhere in the store, a kept .git included.
        var header = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));
        foreach (var needle in new[] { Token, header, "extraheader" })
        {
            Assert.Empty(FilesHolding(fixture.Store, Encoding.UTF8.GetBytes(needle)));
        }
    }

    [RootFact]
    public async Task Submodules_are_checked_out_unless_the_source_says_submodules_false()
    {
        await fixture.ImportBaseAsync();
        repositories.Commit("lib", new Dictionary<string, string> { ["lib.txt"] = "from the submodule\n" });
        App();
        var work = repositories.WorkTree("app");
        GitRepositories.Git(work, "submodule", "add", "-q", daemon.Url("lib"), "lib");
        GitRepositories.Git(work, "commit", "-q", "-m", "submodule");
        repositories.Push("app");
        var url = daemon.Url("app");

        (await fixture.BuildAsync($"FROM box:1\nADD {url} /with\nADD {url}?submodules=false /without\n", "-t", "s:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("s:1");
        Assert.Equal("from the submodule\n", File.ReadAllText(Path.Combine(rootfs, "with/lib/lib.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(rootfs, "without/lib")));
    }

    [RootFact]
    public async Task Exclude_leaves_files_of_the_repository_out()
    {
        await fixture.ImportBaseAsync();
        App();

        (await fixture.BuildAsync($"FROM box:1\nADD --exclude=docs {daemon.Url("app")} /src\n", "-t", "x:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("x:1");
        Assert.True(File.Exists(Path.Combine(rootfs, "src/README")));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "src/docs")));
    }

    [RootFact]
    public async Task Mtime_commit_gives_every_file_the_commits_time()
    {
        await fixture.ImportBaseAsync();
        App();

        (await fixture.BuildAsync($"FROM box:1\nADD {daemon.Url("app")}?mtime=commit /src\n", "-t", "m:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("m:1");
        var commitTime = DateTime.Parse(Date, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(commitTime, File.GetLastWriteTimeUtc(Path.Combine(rootfs, "src/README")));
        Assert.Equal(commitTime, File.GetLastWriteTimeUtc(Path.Combine(rootfs, "src/docs/guide.txt")));
        Assert.Equal(commitTime, Directory.GetLastWriteTimeUtc(Path.Combine(rootfs, "src/docs")));
    }

    private static List<string> FilesHolding(string root, byte[] needle) =>
        Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => new FileInfo(f).LinkTarget is null && File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .ToList();
}
