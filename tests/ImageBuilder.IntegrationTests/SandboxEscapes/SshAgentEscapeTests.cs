using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// A step given the user's ssh agent (RUN --mount=type=ssh) sees a proxy that only lists keys and
/// signs, as BuildKit's read-only agent: a step that tries to remove every key from the user's
/// agent or one key, to lock it, to add a key or to call an extension is refused, and the agent
/// keeps its key, unlocked.
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

        foreach (var refused in new[] { "remove-all 5", "lock 5", "remove 5", "add 5", "extension 5" })
        {
            Assert.Contains(refused, result.Stderr);
        }

        Assert.Contains("user-key", await SshAgentKit.ListAsync(socket));
    }
}
