using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// A step given the user's ssh agent (RUN --mount=type=ssh) sees a proxy that only lists keys and
/// signs, as BuildKit's read-only agent: a step that tries to remove every key from the user's
/// agent, or to lock it, is refused, and the agent keeps its key, unlocked.
/// </summary>
public sealed class SshAgentEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly SshAgentKit ssh = new();

    public void Dispose()
    {
        ssh.Dispose();
        fixture.Dispose();
    }

    [RootFact]
    public async Task A_step_cannot_remove_the_users_keys_or_lock_the_agent()
    {
        await fixture.ImportBaseAsync();
        await SshAgentKit.BuildProbeAsync(fixture.Context);
        var socket = await ssh.UserAgentAsync(await ssh.KeyAsync("user-key"));

        var result = (await fixture.BuildAsync("FROM box:1\nCOPY probe /probe\nRUN --mount=type=ssh /probe\n", "--ssh", $"default={socket}")).Ok();

        Assert.Contains("remove-all 5", result.Stderr);
        Assert.Contains("lock 5", result.Stderr);
        Assert.Contains("user-key", await SshAgentKit.ListAsync(socket));
    }
}
