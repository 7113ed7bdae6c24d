namespace Portal.IntegrationTests;

/// <summary>People's corrections through the API, on a clip the real pipeline processed; and the attention endpoint.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class CorrectionTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task Corrections_RelabelSplitMergeDeleteAdd_AreServedCorrected_WithHistory_AndTheOriginalKept()
    {
        var id = await ProcessedClipAsync();
        var original = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        var track = original.Tracks.First(t => t.Segments.Count > 0);
        var first = track.Segments[0];
        var middle = Math.Round((first.StartSeconds + first.EndSeconds) / 2, 3);
        using var client = app.CreateClient();

        var split = await CorrectOkAsync(client, id, new CorrectionRequest("split", track.TrackId, 0, AtSeconds: middle));
        Assert.Equal(track.Segments.Count + 1, split.Segments.Count);
        Assert.Equal(middle, split.Segments[0].EndSeconds);
        Assert.Equal(middle, split.Segments[1].StartSeconds);

        var relabelled = await CorrectOkAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 1, Label: "juggling"));
        Assert.Equal("juggling", relabelled.Segments[1].Label);
        Assert.True(relabelled.Segments[1].Corrected);
        Assert.Equal(first.Label, relabelled.Segments[1].ModelLabel);

        var merged = await CorrectOkAsync(client, id, new CorrectionRequest("merge", track.TrackId, 0));
        Assert.Equal(track.Segments.Count, merged.Segments.Count);
        Assert.Equal(first.EndSeconds, merged.Segments[0].EndSeconds);

        var deleted = await CorrectOkAsync(client, id, new CorrectionRequest("delete", track.TrackId, 0));
        Assert.Equal(track.Segments.Count - 1, deleted.Segments.Count);

        var added = await CorrectOkAsync(client, id, new CorrectionRequest("add", track.TrackId, StartSeconds: first.StartSeconds, EndSeconds: middle, Label: "waving"));
        Assert.Equal("waving", added.Segments[0].Label);
        Assert.Equal(first.StartSeconds, added.Segments[0].StartSeconds);

        var corrected = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        AssertSame(added.Segments, corrected.Tracks.Single(t => t.TrackId == track.TrackId).Segments);
        var model = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline?original=true");
        AssertSame(track.Segments, model.Tracks.Single(t => t.TrackId == track.TrackId).Segments);

        var history = await app.GetJsonAsync<List<CorrectionDto>>($"/api/videos/{id}/corrections");
        Assert.Equal(["split", "relabel", "merge", "delete", "add"], history.Select(c => c.Kind));
        Assert.All(history, c => Assert.Equal(app.Owner.Id, c.Author));
        AssertSame(track.Segments, history[0].Before);
        AssertSame(split.Segments, history[0].After);
        AssertSame(history[0].After, history[1].Before);

        var csv = await client.GetStringAsync(new Uri($"/api/videos/{id}/timeline.csv", UriKind.Relative));
        Assert.Contains($"{track.TrackId},{first.StartSeconds:0.###},{middle:0.###},waving,1,waving:1", csv, StringComparison.Ordinal);
        var originalCsv = await client.GetStringAsync(new Uri($"/api/videos/{id}/timeline.csv?original=true", UriKind.Relative));
        Assert.DoesNotContain("waving", originalCsv, StringComparison.Ordinal);
        var vtt = await client.GetStringAsync(new Uri($"/api/videos/{id}/timeline.vtt", UriKind.Relative));
        Assert.Contains($"Person {track.TrackId}: waving", vtt, StringComparison.Ordinal);

        var skeletons = await app.GetJsonAsync<JsonElement>($"/api/videos/{id}/skeletons.json");
        var exported = skeletons.GetProperty("tracks").EnumerateArray().Single(t => t.GetProperty("trackId").GetInt32() == track.TrackId);
        Assert.Equal("waving", exported.GetProperty("segments")[0].GetProperty("label").GetString());
        Assert.Equal(track.FrameCount, exported.GetProperty("frames").GetArrayLength());
        Assert.Equal(17, exported.GetProperty("frames")[0].GetProperty("keypoints").GetArrayLength());
    }

    [Fact]
    public async Task Corrections_ThatDoNotFit_Are400_AndChangeNothing()
    {
        var id = await ProcessedClipAsync();
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        var track = timeline.Tracks.First(t => t.Segments.Count > 0);
        var last = track.Segments[^1];
        using var client = app.CreateClient();

        CorrectionRequest[] bad =
        [
            new("merge", track.TrackId, last.Index),
            new("split", track.TrackId, last.Index, AtSeconds: last.EndSeconds + 1),
            new("relabel", track.TrackId, last.Index, Label: "  "),
            new("relabel", track.TrackId, 999, Label: "x"),
            new("add", track.TrackId, StartSeconds: last.StartSeconds, EndSeconds: last.EndSeconds, Label: "x"),
            new("rename", track.TrackId, 0, Label: "x"),
        ];
        foreach (var request in bad)
        {
            using var response = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative), request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{request}: {response.StatusCode}");
        }

        using var noTrack = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative), new CorrectionRequest("delete", 999, 0));
        Assert.Equal(HttpStatusCode.NotFound, noTrack.StatusCode);
        Assert.Empty(await app.GetJsonAsync<List<CorrectionDto>>($"/api/videos/{id}/corrections"));
    }

    [Fact]
    public async Task Corrections_AgainstAStaleVersion_Are409_AndOverwriteNothing()
    {
        var id = await ProcessedClipAsync();
        var loaded = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        Assert.Equal(0, loaded.CorrectionsVersion);
        var track = loaded.Tracks.First(t => t.Segments.Count > 0);
        using var client = app.CreateClient();

        // Two reviewers loaded version 0; the first saves, the second's save is refused.
        using var first = await PostAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 0, Label: "first reviewer", Version: 0, RunId: loaded.RunId));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<CorrectionResultDto>(PortalApp.Json))!.CorrectionsVersion);
        using var second = await PostAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 0, Label: "second reviewer", Version: 0, RunId: loaded.RunId));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("Someone else changed these segments", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A change made against another run (the video was processed again meanwhile) is refused too.
        using var otherRun = await PostAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 0, Label: "old run", Version: 1, RunId: Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.Conflict, otherRun.StatusCode);

        // Two saves against the same version at the same moment: one wins, the other is told.
        var racing = await Task.WhenAll(
            PostAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 0, Label: "racer a", Version: 1)),
            PostAsync(client, id, new CorrectionRequest("relabel", track.TrackId, 0, Label: "racer b", Version: 1)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], racing.Select(r => r.StatusCode).Order());
        var winner = racing.Single(r => r.IsSuccessStatusCode);
        var winnerLabel = (await winner.Content.ReadFromJsonAsync<CorrectionResultDto>(PortalApp.Json))!.Segments[0].Label;
        foreach (var response in racing)
        {
            response.Dispose();
        }

        var now = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        Assert.Equal(2, now.CorrectionsVersion);
        Assert.Equal(winnerLabel, now.Tracks.Single(t => t.TrackId == track.TrackId).Segments[0].Label);
        var history = await app.GetJsonAsync<List<CorrectionDto>>($"/api/videos/{id}/corrections");
        Assert.Equal(["first reviewer", winnerLabel], history.Select(c => c.After[0].Label));
    }

    [Fact]
    public async Task Attention_ServesFrameAndJointAttention_OfTheWindowsInTheRange()
    {
        var id = await ProcessedClipAsync();
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        var track = timeline.Tracks.First(t => t.Segments.Count > 0);

        var all = await app.GetJsonAsync<AttentionDto>($"/api/videos/{id}/attention?track={track.TrackId}");
        var light = await app.GetJsonAsync<AttentionDto>($"/api/videos/{id}/attention?joints=false");
        var range = await app.GetJsonAsync<AttentionDto>($"/api/videos/{id}/attention?from=0&to=0.5");

        Assert.NotEmpty(all.Windows);
        Assert.All(all.Windows, w =>
        {
            Assert.Equal(track.TrackId, w.TrackId);
            Assert.Equal(1, w.FrameAttention.Sum(), 0.02);
            Assert.NotNull(w.JointAttention);
            Assert.Equal(w.FrameAttention.Count, w.JointAttention!.Count);
            Assert.All(w.JointAttention, row =>
            {
                Assert.Equal(17, row.Length);
                Assert.Equal(1, row.Sum(), 0.02);
            });
        });
        Assert.All(light.Windows, w => Assert.Null(w.JointAttention));
        Assert.True(light.Windows.Count >= all.Windows.Count);
        Assert.All(range.Windows, w => Assert.True(w.StartSeconds <= 0.5));

        using var client = app.CreateClient();
        using var badRange = await client.GetAsync(new Uri($"/api/videos/{id}/attention?from=5&to=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        using var missing = await client.GetAsync(new Uri($"/api/videos/{Guid.NewGuid()}/attention", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Segments compared by value, top-k lists included (records compare lists by reference).</summary>
    private static void AssertSame(IReadOnlyList<SegmentDto> expected, IReadOnlyList<SegmentDto> actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, PortalApp.Json), JsonSerializer.Serialize(actual, PortalApp.Json));

    private async Task<Guid> ProcessedClipAsync()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        return uploaded.Id;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, Guid id, CorrectionRequest request) =>
        client.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative), request);

    private static async Task<TrackDto> CorrectOkAsync(HttpClient client, Guid id, CorrectionRequest request)
    {
        using var response = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative), request);
        Assert.True(response.IsSuccessStatusCode, $"{request}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<TrackDto>(PortalApp.Json))!;
    }
}
