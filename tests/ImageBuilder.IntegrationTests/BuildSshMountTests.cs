using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// RUN --mount=type=ssh with the real OpenSSH agent: a static probe in the step talks to the
/// socket it is given (testdata/ssh/agent-probe.c) as ssh does. The step may list and sign, never
/// remove the user's keys; key files given to --ssh never reach the store.
/// </summary>
public sealed class BuildSshMountTests : IDisposable
{
    private const string Dockerfile = "FROM box:1\nCOPY probe /probe\nRUN --mount=type=ssh /probe > /default.txt\nRUN --mount=type=ssh,id=deploy,uid=1000 /probe > /deploy.txt\n";
    private readonly BuildFixture fixture = new();
    private readonly SshAgentKit ssh = new();

    public void Dispose()
    {
        ssh.Dispose();
        fixture.Dispose();
    }

    [RootFact]
    public async Task Both_ids_reach_the_users_agent_through_their_own_sockets()
    {
        await fixture.ImportBaseAsync();
        await SshAgentKit.BuildProbeAsync(fixture.Context);
        var socket = await ssh.UserAgentAsync(await ssh.KeyAsync("user-key"));

        (await fixture.BuildAsync(Dockerfile, "-t", "ssh:1", "--ssh", $"default={socket}", "--ssh", $"deploy={socket}")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("ssh:1");
        Assert.Equal(SshAgentKit.ReadOnlyAnswers("user-key"), File.ReadAllText(Path.Combine(rootfs, "default.txt")));
        Assert.Equal(SshAgentKit.ReadOnlyAnswers("user-key"), File.ReadAllText(Path.Combine(rootfs, "deploy.txt")));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task Key_files_are_served_by_an_agent_of_the_build_that_leaves_nothing_behind_and_no_key_bytes_in_the_store()
    {
        await fixture.ImportBaseAsync();
        await SshAgentKit.BuildProbeAsync(fixture.Context);
        var key = await ssh.KeyAsync("file-key");

        (await fixture.BuildAsync(Dockerfile, "-t", "ssh:2", "--ssh", $"default={key}", "--ssh", $"deploy={key}")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("ssh:2");
        Assert.Equal(SshAgentKit.ReadOnlyAnswers("file-key"), File.ReadAllText(Path.Combine(rootfs, "default.txt")));
        var body = File.ReadAllLines(key).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        Assert.All(body, line => Assert.Empty(StoreFilesHolding(Encoding.ASCII.GetBytes(line))));
        Assert.DoesNotContain(ProcessTable.All(), p => p.CommandLine.Contains("ssh-agent", StringComparison.Ordinal) && p.CommandLine.Contains(fixture.Store, StringComparison.Ordinal));
        fixture.AssertNothingLeft();
    }

    [RootFact]
    public async Task A_required_agent_that_was_not_given_stops_the_build_at_its_line()
    {
        await fixture.ImportBaseAsync();

        var result = await fixture.BuildAsync("FROM box:1\nRUN --mount=type=ssh,required=true echo never\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2008: ssh agent default is required but was not given", result.Stderr);
        Assert.DoesNotContain("never", result.Stderr.Replace("echo never", "", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task A_key_with_a_passphrase_is_refused_with_what_to_do()
    {
        await fixture.ImportBaseAsync();
        var key = await ssh.KeyAsync("locked-key", passphrase: "a passphrase");

        var result = await fixture.BuildAsync("FROM box:1\nRUN --mount=type=ssh true\n", "--ssh", $"default={key}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"ibuild: --ssh default: {key} is not a private key ssh-add can load without a passphrase", result.Stderr);
        Assert.Contains("--ssh default", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private List<string> StoreFilesHolding(byte[] needle) =>
        Directory.EnumerateFiles(fixture.Store, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => new FileInfo(f).LinkTarget is null && File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .ToList();
}
