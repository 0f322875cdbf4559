using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Dockerfile.Tests.Instructions;

public sealed class InstructionExpanderTests
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["a"] = "old",
        ["USER_ID"] = "1000",
        ["SRC"] = "app",
        ["PORTS"] = "80 443/udp",
        ["IMG"] = "alpine:3.20",
    };

    private static Instruction Expand(string line, char escape = '\\')
    {
        var document = DockerfileParser.Parse("FROM scratch\n" + line);
        return new InstructionExpander(escape).Expand(document.Stages[0].Commands.Single(), Env);
    }

    [Fact]
    public void All_variables_in_one_env_see_the_values_from_before_it()
    {
        var env = Assert.IsType<EnvInstruction>(Expand("ENV a=new b=$a c=\"${a} and ${a}\""));

        Assert.Equal(
            [new KeyValue("a", "new"), new KeyValue("b", "old"), new KeyValue("c", "old and old")],
            env.Variables);
    }

    [Fact]
    public void Copy_expands_sources_destination_and_flags()
    {
        var copy = Assert.IsType<CopyInstruction>(Expand("COPY --chown=${USER_ID}:${USER_ID} $SRC/*.py '/opt/$SRC' /dst/${SRC:-x}/"));

        Assert.Equal("1000:1000", copy.Chown);
        Assert.Equal(["app/*.py", "/opt/$SRC"], copy.Paths.SourcePaths);
        Assert.Equal("/dst/app/", copy.Paths.DestPath);
    }

    [Fact]
    public void Expose_splits_a_variable_into_several_ports()
    {
        var expose = Assert.IsType<ExposeInstruction>(Expand("EXPOSE $PORTS 8080"));

        Assert.Equal(["80", "443/udp", "8080"], expose.Ports);
    }

    [Fact]
    public void Run_is_left_for_the_shell()
    {
        var run = Assert.IsType<RunInstruction>(Expand("RUN echo $a"));

        Assert.Equal(["echo $a"], run.Command.Arguments);
    }

    [Fact]
    public void Backtick_escape_keeps_a_literal_dollar()
    {
        var workdir = Assert.IsType<WorkdirInstruction>(Expand("WORKDIR C:\\`$a\\$a", '`'));

        Assert.Equal("C:\\$a\\old", workdir.Path);
    }

    [Fact]
    public void Expansion_error_is_located_and_coded()
    {
        var error = Assert.Throws<DockerfileException>(() => Expand("WORKDIR ${missing:?set missing first}"));

        Assert.Equal(ErrorCode.Expansion, error.Code);
        Assert.Equal(2, error.Span!.Value.StartLine);
        Assert.Contains("set missing first", error.Message);
    }

    [Fact]
    public void From_expands_global_args()
    {
        var document = DockerfileParser.Parse("ARG IMG=busybox\nFROM ${IMG} AS base\n");
        var from = new InstructionExpander('\\').Expand(document.Stages[0].From, Env);

        Assert.Equal("alpine:3.20", Assert.IsType<FromInstruction>(from).Image);
        Assert.Equal("busybox", document.GlobalArgs.Single().Args.Single().DefaultValue);
    }
}
