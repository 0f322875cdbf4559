namespace ImageBuilder.Cli.Tests;

/// <summary>
/// Which command lines an ordinary user's ibuild re-executes in a user namespace for (those that
/// touch the store or run containers) and which run as they are (help, version, check, login, logout,
/// and usage errors, which are reported without entering anything).
/// </summary>
public sealed class UserNamespaceNeedTests
{
    [Theory]
    [InlineData("build", ".")]
    [InlineData("images")]
    [InlineData("run", "box:1", "true")]
    [InlineData("run", "box:1", "df", "-h")]
    [InlineData("run", "box:1", "python3", "--help")]
    [InlineData("pull", "localhost:5000/a:1")]
    [InlineData("push", "a:1")]
    [InlineData("load", "-i", "a.tar")]
    [InlineData("save", "-o", "a.tar", "a:1")]
    [InlineData("import", "a.tar")]
    [InlineData("inspect", "a:1")]
    [InlineData("tag", "a:1", "b:1")]
    [InlineData("rmi", "a:1")]
    [InlineData("prune")]
    [InlineData("fsck")]
    [InlineData("--root", "/tmp/s", "build", ".")]
    [InlineData("--root", "/tmp/s", "images")]
    [InlineData("-f", "Dockerfile", "-t", "app:1", ".")]
    public void Commands_that_use_the_store_or_run_containers_need_it(params string[] args)
    {
        Assert.True(CommandLineApp.NeedsUserNamespace(args));
    }

    [Theory]
    [InlineData]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("--version")]
    [InlineData("check", "-f", "Dockerfile")]
    [InlineData("login", "localhost:5000")]
    [InlineData("logout", "localhost:5000")]
    [InlineData("build", "--help")]
    [InlineData("images", "-h")]
    [InlineData("--root", "/tmp/s", "check")]
    [InlineData("--root", "/tmp/s", "images", "--help")]
    public void Help_version_check_login_and_logout_do_not(params string[] args)
    {
        Assert.False(CommandLineApp.NeedsUserNamespace(args));
    }

    [Theory]
    [InlineData("--root")]
    [InlineData("--root", "/tmp/s")]
    public void A_command_line_that_is_not_valid_does_not(params string[] args)
    {
        Assert.False(CommandLineApp.NeedsUserNamespace(args));
    }
}
