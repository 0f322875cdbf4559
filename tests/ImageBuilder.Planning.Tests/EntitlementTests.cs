using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;

namespace ImageBuilder.Planning.Tests;

/// <summary>A Dockerfile never widens the network the command line chose: RUN --network=host needs --allow network.host.</summary>
public sealed class EntitlementTests
{
    private static readonly Digest SomeManifest = Digest.Parse("sha256:" + new string('b', 64));

    private sealed class OneImage(ExecutionConfig config) : IImageSource
    {
        public Task<BaseImage?> FindAsync(string reference, Platform platform, CancellationToken cancellationToken) => Task.FromResult(reference == "base"
            ? new BaseImage(reference, SomeManifest, new ImageConfig
            {
                Architecture = Platform.Current.Architecture,
                Os = "linux",
                RootFs = new RootFs { DiffIds = [] },
                Config = config,
            })
            : null);
    }

    private static readonly PlanOptions HostAllowed = new() { Entitlements = new HashSet<Entitlement> { Entitlement.NetworkHost } };

    private static BuildPlan Plan(string dockerfile, PlanOptions? options = null, ExecutionConfig? baseConfig = null) =>
        new Planner(new OneImage(baseConfig ?? new ExecutionConfig())).PlanNow(DockerfileParser.Parse(dockerfile), options ?? new PlanOptions());

    [Fact]
    public void Host_network_without_the_entitlement_is_a_located_error_naming_the_flag()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM base\nRUN echo first\n  RUN --network=host wget http://127.0.0.1/\n"));

        Assert.Equal(ErrorCode.EntitlementRequired, error.Code);
        Assert.Equal("IB2009", error.Code.Id());
        Assert.Equal((3, 3), (error.Span!.Value.StartLine, error.Span.Value.StartColumn));
        Assert.Contains("network.host", error.Message);
        Assert.Contains("--allow network.host", error.Diagnostics[0].Hint);
    }

    [Fact]
    public void Host_network_with_the_entitlement_is_planned_as_host()
    {
        var run = Assert.IsType<RunStep>(Plan("FROM base\nRUN --network=host true\n", HostAllowed).Target.Steps[0]);

        Assert.Equal("host", run.Network);
    }

    [Fact]
    public void Security_insecure_needs_its_entitlement_and_then_is_planned_as_asked()
    {
        var error = Assert.Throws<DockerfileException>(() => Plan("FROM base\nRUN --security=insecure mount -t tmpfs none /mnt\n"));
        Assert.Equal("IB2009", error.Code.Id());
        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains("--allow security.insecure", error.Diagnostics[0].Hint);

        var allowed = new PlanOptions { Entitlements = new HashSet<Entitlement> { Entitlement.SecurityInsecure } };
        Assert.Equal("insecure", Assert.IsType<RunStep>(Plan("FROM base\nRUN --security=insecure true\n", allowed).Target.Steps[0]).Security);
        Assert.Equal(Entitlement.SecurityInsecure, Entitlements.Parse("security.insecure"));
        // The network entitlement is not this one.
        Assert.Throws<DockerfileException>(() => Plan("FROM base\nRUN --security=insecure true\n", HostAllowed));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("default")]
    public void Narrowing_or_keeping_the_network_needs_nothing(string mode)
    {
        var run = Assert.IsType<RunStep>(Plan($"FROM base\nRUN --network={mode} true\n").Target.Steps[0]);

        Assert.Equal(mode, run.Network);
    }

    [Fact]
    public void A_base_image_trigger_asking_for_the_host_network_is_refused_at_the_FROM_that_fires_it()
    {
        var config = new ExecutionConfig { OnBuild = ["RUN --network=host true"] };

        var error = Assert.Throws<DockerfileException>(() => Plan("FROM scratch\nFROM base\n", baseConfig: config));

        Assert.Equal(ErrorCode.EntitlementRequired, error.Code);
        Assert.Equal(2, error.Span!.Value.StartLine);
    }

    [Fact]
    public void A_stage_the_target_does_not_need_is_not_refused()
    {
        var plan = Plan("FROM base AS tools\nRUN --network=host true\nFROM base\nRUN true\n");

        Assert.Single(plan.Stages);
    }

    [Fact]
    public void Entitlements_are_named_as_buildkit_names_them()
    {
        Assert.Equal("network.host", Entitlement.NetworkHost.Name());
        Assert.Equal(Entitlement.NetworkHost, Entitlements.Parse("network.host"));
        Assert.Null(Entitlements.Parse("network.none"));
        Assert.Null(Entitlements.Parse("NETWORK.HOST"));
    }
}
