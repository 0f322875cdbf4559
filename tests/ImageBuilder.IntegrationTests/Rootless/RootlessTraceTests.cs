using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary><c>--trace</c> rootless: a build that starts outside its user namespace and enters it at a RUN writes the trace of the build inside.</summary>
public sealed class RootlessTraceTests : IDisposable
{
    private readonly BuildFixture fixture = new(new RootlessUser());

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_build_that_enters_its_user_namespace_at_a_run_writes_the_trace_of_the_run_inside_it()
    {
        await fixture.ImportBaseAsync();
        var directory = fixture.User.NewDirectory();
        var path = Path.Combine(directory, "trace.json");

        (await fixture.BuildAsync("FROM box:1\nRUN echo hi > /hi\n", "--trace", path)).Ok();

        // Only the build inside the namespace could run the step: the trace is that process's.
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var spans = json.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Contains(spans, s => s.GetProperty("name").GetString() == "process");
        Assert.Equal(0, Assert.Single(spans, s => s.GetProperty("name").GetString() == "run").GetProperty("args").GetProperty("exitCode").GetInt32());
        Assert.Equal(fixture.User.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Tools.Run("stat", "-c", "%u", path)).Stdout.Trim());
        Assert.Equal([path], Directory.GetFiles(directory));
    }
}
