using Microsoft.Extensions.Options;
using Orleans.Placement;
using RecSys.Grains.Serving;

namespace RecSys.Grains;

/// <summary>Live state of one user (see <see cref="HistoryGrain"/>), starting from its history in the loaded dataset. Key = user id.</summary>
// Many small, uniform grains: spread them evenly over the silos by id hash rather than the default
// resource-optimized placement, which keeps them on the calling silo until load builds up.
[HashBasedPlacement]
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    ServingModels models,
    IOptions<ServingOptions> options,
    DatasetHistories datasetHistories) : HistoryGrain(state, models, options, datasetHistories), IUserGrain
{
}

/// <summary>
/// Live state of one anonymous session (see <see cref="HistoryGrain"/>): the same bounded history as a user's,
/// stored apart from users so a session id can never read or extend a user's history. Key = session id.
/// </summary>
[HashBasedPlacement]
public sealed class SessionGrain(
    [PersistentState("session", StorageNames.Users)] IPersistentState<UserState> state,
    ServingModels models,
    IOptions<ServingOptions> options) : HistoryGrain(state, models, options), ISessionGrain
{
}
