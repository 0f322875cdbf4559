using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// An image of many layers: far more lower dirs than fit in one page of mount options (the
/// classic overlay limit). Every layer stays visible to the steps after it.
/// </summary>
public sealed class BuildManyLayersTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_hundred_layers_are_all_visible_to_the_last_step()
    {
        await fixture.ImportBaseAsync();
        var dockerfile = new StringBuilder("FROM box:1\n");
        for (var i = 1; i <= 100; i++)
        {
            dockerfile.Append($"RUN echo {i} > /f{i}\n");
        }

        dockerfile.Append("RUN cat /f1 /f50 /f100 > /seen && ls / | grep -c '^f' > /count\n");
        (await fixture.BuildAsync(dockerfile.ToString(), "-t", "many:1")).Ok();

        var rootfs = await fixture.UnpackWithUmociAsync("many:1");
        Assert.Equal("1\n50\n100\n", File.ReadAllText(Path.Combine(rootfs, "seen")));
        Assert.Equal("100\n", File.ReadAllText(Path.Combine(rootfs, "count")));
        fixture.AssertNothingLeft();
    }
}
