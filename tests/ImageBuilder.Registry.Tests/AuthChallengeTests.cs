using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Registry.Tests;

public sealed class AuthChallengeTests
{
    [Fact]
    public void A_bearer_challenge_gives_realm_service_and_scope_with_commas_inside_quotes()
    {
        var challenge = Assert.Single(AuthChallenge.ParseAll(
            ["Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""]));

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge["realm"]);
        Assert.Equal("registry.docker.io", challenge["service"]);
        Assert.Equal("repository:samalba/my-app:pull,push", challenge["scope"]);
    }

    [Fact]
    public void Scheme_and_names_are_case_insensitive_and_spaces_escapes_and_bare_tokens_are_read()
    {
        var challenge = Assert.Single(AuthChallenge.ParseAll(["bearer  REALM = \"http://h/t\\\"x\" , service=reg,error=insufficient_scope"]));

        Assert.True(challenge.IsBearer);
        Assert.Equal("http://h/t\"x", challenge["realm"]);
        Assert.Equal("reg", challenge["Service"]);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Null(challenge["scope"]);
    }

    [Fact]
    public void Several_challenges_in_one_header_and_across_headers_are_all_found()
    {
        var challenges = AuthChallenge.ParseAll(["Basic realm=\"Registry Realm\", Bearer realm=\"https://a/token\",service=\"s\"", "Negotiate"]);

        Assert.Equal(["Basic", "Bearer", "Negotiate"], challenges.Select(c => c.Scheme));
        Assert.Equal("Registry Realm", challenges[0]["realm"]);
        Assert.Equal("s", challenges[1]["service"]);
        Assert.Empty(challenges[2].Parameters);
    }
}
