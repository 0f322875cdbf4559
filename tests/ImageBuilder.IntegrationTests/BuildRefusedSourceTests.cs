using System.Formats.Tar;
using System.Security.Cryptography;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// Hostile COPY/ADD sources are refused with one located IB2010 error that names the entry — never
/// an internal error or a stack trace — and nothing lands outside the image or stays behind.
/// </summary>
public sealed class BuildRefusedSourceTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly string escape = $"/tmp/ibuild-escape-{Guid.NewGuid():N}";

    public void Dispose()
    {
        File.Delete(escape);
        fixture.Dispose();
    }

    /// <summary>Asserts the one-line located refusal, and that nothing escaped or stayed behind.</summary>
    private void AssertRefused(Tools.Result result, string line, string reason)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Dockerfile:{line}:1: IB2010: ", result.Stderr);
        Assert.Contains(reason, result.Stderr);
        Assert.Contains("hint: ", result.Stderr);
        Assert.DoesNotContain("internal error", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(escape));
        fixture.AssertNothingLeft();
    }

    private void WriteTar(string name, params TarEntry[] entries)
    {
        var path = Path.Combine(fixture.Context, name);
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var entry in entries)
        {
            writer.WriteEntry(entry);
        }
    }

    private static PaxTarEntry FileEntry(string name, string content = "pwned\n") =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Mode = (UnixFileMode)0x1a4 };

    private static PaxTarEntry Link(TarEntryType type, string name, string target) => new(type, name) { LinkName = target };

    public static TheoryData<string, string> HostileTars => new()
    {
        { "absolute hard link", "entry \"passwd\": its hard link target \"/etc/passwd\" is not an earlier entry of the archive" },
        { "climbing hard link", "its hard link target \"../../../../../../../../../etc/passwd\" climbs out of the destination" },
        { "climbing name", "climbs out of the destination" },
        { "long path", "bytes, longer than Linux allows (4095)" },
        { "long name", "its name is 300 bytes, longer than Linux allows (255)" },
        { "loop then write through it", "entry \"loop/escape\": its path runs into a symlink loop" },
    };

    [RootTheory]
    [MemberData(nameof(HostileTars))]
    public async Task A_hostile_tar_in_ADD_is_refused_naming_the_entry(string kind, string reason)
    {
        await fixture.ImportBaseAsync();
        var passwd = SHA256.HashData(File.ReadAllBytes("/etc/passwd"));
        var deep = string.Join('/', Enumerable.Repeat(new string('d', 200), 25));
        WriteTar("hostile.tar", kind switch
        {
            "absolute hard link" => [FileEntry("ok"), Link(TarEntryType.HardLink, "passwd", "/etc/passwd"), FileEntry("passwd")],
            "climbing hard link" => [Link(TarEntryType.HardLink, "passwd", "../../../../../../../../../etc/passwd"), FileEntry("passwd")],
            "climbing name" => [FileEntry("../../../../../../../../.." + escape)],
            "long path" => [FileEntry(deep + "/file")],
            "long name" => [FileEntry(new string('n', 300))],
            "loop then write through it" => [Link(TarEntryType.SymbolicLink, "loop", "loop"), FileEntry("loop/escape")],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });

        var result = await fixture.BuildAsync("FROM box:1\nADD hostile.tar /x/\n", "-t", "hostile:1");

        AssertRefused(result, "2", reason);
        Assert.Contains("ADD failed: hostile.tar: entry ", result.Stderr);
        Assert.Equal(passwd, SHA256.HashData(File.ReadAllBytes("/etc/passwd")));
    }

    [RootFact]
    public async Task A_hard_link_to_an_earlier_entry_or_to_a_file_of_the_destination_is_still_extracted()
    {
        await fixture.ImportBaseAsync();
        WriteTar("links.tar", FileEntry("first", "one\n"), Link(TarEntryType.HardLink, "second", "first"),
            Link(TarEntryType.HardLink, "/third", "/first"));

        (await fixture.BuildAsync("FROM box:1\nADD links.tar /x/\nRUN [ \"$(cat /x/second /x/third)\" = \"$(printf 'one\\none')\" ] && [ $(stat -c %h /x/first) = 3 ]\n")).Ok();
    }

    [RootFact]
    public async Task A_symlink_loop_named_as_a_COPY_source_is_refused()
    {
        await fixture.ImportBaseAsync();
        File.CreateSymbolicLink(Path.Combine(fixture.Context, "loop"), "loop");
        File.CreateSymbolicLink(Path.Combine(fixture.Context, "ping"), "pong");
        File.CreateSymbolicLink(Path.Combine(fixture.Context, "pong"), "ping");

        AssertRefused(await fixture.BuildAsync("FROM box:1\nCOPY loop/ /x\n"), "2", "COPY failed: \"/loop\": a symlink loop");
        AssertRefused(await fixture.BuildAsync("FROM box:1\nRUN true\nCOPY ping/file /x\n"), "3", "COPY failed: \"/ping/file\": a symlink loop");

        // The loop itself is an ordinary symlink to copy along with its directory.
        (await fixture.BuildAsync("FROM box:1\nCOPY . /ctx/\nRUN [ \"$(readlink /ctx/loop)\" = loop ]\n")).Ok();
    }

    [RootFact]
    public async Task A_context_path_longer_than_linux_allows_is_refused_naming_it()
    {
        await fixture.ImportBaseAsync();
        // Made by relative steps (cd, mkdir): the whole path is too long for any one call.
        (await Tools.Run("bash", "-c", $"cd '{fixture.Context}' && mkdir deep && cd deep && for i in $(seq 25); do mkdir {new string('d', 200)} && cd {new string('d', 200)}; done && echo x > file")).Ok();

        try
        {
            var result = await fixture.BuildAsync("FROM box:1\nCOPY deep /x\n");

            AssertRefused(result, "2", "COPY failed: the build context holds \"deep/dddd");
            Assert.Contains("whose path is longer than Linux allows", result.Stderr);
        }
        finally
        {
            (await Tools.Run("rm", "-rf", Path.Combine(fixture.Context, "deep"))).Ok();
        }
    }
}
