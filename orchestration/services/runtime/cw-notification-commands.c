#include "cw-services-runtime.h"

#include <string.h>

#define CW_NOTIFICATION_COMMANDS_DAY_MS   (24 * 3600 * G_GINT64_CONSTANT(1000))
#define CW_NOTIFICATION_COMMANDS_MAX_DAYS 31

static const char cw_notification_commands_help[] =
    "Commands: /status [bot], /profit [bot], /balance, /trades [bot] [n], /daily [n], "
    "/halt BOT, /resume BOT, /halt_all, /resume_all, /close BOT";

static char *
cw_notification_commands_status(CwStore *store, const char *only)
{
	g_autoptr(GPtrArray) bots = cw_store_bot_list(store, NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean halted = FALSE;

	if (bots == NULL)
		return g_strdup("the bots table cannot be read");
	if (cw_bot_admin_get_kill_switch(store, &halted, NULL, NULL) && halted)
		g_string_append(out, "kill switch: ON (every bot halted)\n");
	for (guint i = 0; i < bots->len; i++) {
		const CwStoreBot *bot = g_ptr_array_index(bots, i);
		CwBotMode mode;
		if (bot->name == NULL || (only != NULL && g_strcmp0(bot->name, only) != 0))
			continue;
		mode = cw_bot_admin_get_mode(store, bot->id, NULL);
		g_string_append_printf(out, "%s: %s, %s, mode %s\n", bot->name,
				       bot->status != NULL ? bot->status : "?",
				       bot->enabled ? "enabled" : "disabled",
				       mode == CW_BOT_MODE_HALTED        ? "halted"
				       : mode == CW_BOT_MODE_REDUCE_ONLY ? "reduce_only"
									 : "active");
	}
	if (out->len == 0)
		return only != NULL ? g_strdup_printf("no bot named '%s'", only)
				    : g_strdup("no bots");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Live trades (no run id) of one bot or every bot, oldest first. */
static GPtrArray *
cw_notification_commands_trades(CwStore *store, const char *bot)
{
	g_autoptr(GPtrArray) all = cw_store_trades_list(store, NULL, bot, NULL);
	GPtrArray *live = g_ptr_array_new();

	for (guint i = 0; all != NULL && i < all->len; i++) {
		CwStoreTrade *t = g_ptr_array_index(all, i);
		if (t->run_id == NULL)
			g_ptr_array_add(live, g_ptr_array_steal_index(all, i--));
	}
	g_ptr_array_set_free_func(live, (GDestroyNotify) cw_store_trade_free);
	return live;
}

static char *
cw_notification_commands_profit(CwStore *store, const char *bot)
{
	g_autoptr(GPtrArray) trades = cw_notification_commands_trades(store, bot);
	double pnl = 0, fees = 0;
	guint wins = 0;

	for (guint i = 0; i < trades->len; i++) {
		CwStoreTrade *t = g_ptr_array_index(trades, i);
		pnl += t->trade.net_pnl;
		fees += t->trade.fees;
		wins += t->trade.net_pnl > 0;
	}
	return g_strdup_printf("%s: %u trades, %u won, net PnL %+.2f, fees %.2f",
			       bot != NULL ? bot : "all bots", trades->len, wins, pnl, fees);
}

static char *
cw_notification_commands_list_trades(CwStore *store, const char *bot, guint n)
{
	g_autoptr(GPtrArray) trades = cw_notification_commands_trades(store, bot);
	g_autoptr(GString) out = g_string_new(NULL);
	guint first = trades->len > n ? trades->len - n : 0;

	for (guint i = first; i < trades->len; i++) {
		CwStoreTrade *t = g_ptr_array_index(trades, i);
		g_string_append_printf(out, "%s %s %s %.8g -> %.8g, PnL %+.2f\n",
				       t->bot_name != NULL ? t->bot_name : "-",
				       g_quark_to_string(t->trade.symbol),
				       cw_direction_to_string(t->trade.direction),
				       t->trade.entry_price, t->trade.exit_price, t->trade.net_pnl);
	}
	if (out->len == 0)
		return g_strdup("no trades");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* /balance: per bot its latest equity, realised PnL of its live trades
 * and open positions, then the totals. */
static char *
cw_notification_commands_balance(CwStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) figures =
	    cw_store_daily_figures(store, G_MININT64, G_MAXINT64, &error);
	g_autoptr(GPtrArray) positions = NULL;
	g_autoptr(GPtrArray) bots = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	double equity = 0, pnl = 0;
	guint n_open = 0;

	if (figures == NULL)
		return g_strdup_printf("/balance: %s", error->message);
	positions = cw_store_positions_list(store, -1, &error);
	bots = positions != NULL ? cw_store_bot_list(store, &error) : NULL;
	if (bots == NULL)
		return g_strdup_printf("/balance: %s", error->message);
	for (guint i = 0; i < figures->len; i++) {
		const CwStoreDailyFigures *f = g_ptr_array_index(figures, i);
		const CwStoreBot *bot = i < bots->len ? g_ptr_array_index(bots, i) : NULL;

		if (f->bot_name == NULL)
			continue;
		g_string_append_printf(out, "%s: ", f->bot_name);
		if (f->has_equity)
			g_string_append_printf(out, "equity %.2f, ", f->equity);
		else
			g_string_append(out, "equity unknown yet, ");
		g_string_append_printf(out, "realised %+.2f (%" G_GINT64_FORMAT " trades)",
				       f->net_pnl, f->trades);
		equity += f->has_equity ? f->equity : 0;
		pnl += f->net_pnl;
		/* figures and bots are both in id order */
		for (guint j = 0; bot != NULL && j < positions->len; j++) {
			const CwStorePosition *p = g_ptr_array_index(positions, j);
			if (p->bot_id != bot->id || p->position.direction == CW_DIRECTION_NONE)
				continue;
			n_open++;
			g_string_append_printf(
			    out, ", open %s %.8g %s @ %.8g",
			    cw_direction_to_string(p->position.direction), p->position.qty,
			    p->position.symbol != 0 ? g_quark_to_string(p->position.symbol) : "",
			    p->position.entry_price);
		}
		g_string_append_c(out, '\n');
	}
	if (out->len == 0)
		return g_strdup("no bots");
	g_string_append_printf(out, "total: equity %.2f, realised %+.2f, %u open position%s",
			       equity, pnl, n_open, n_open == 1 ? "" : "s");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* /daily [n]: net PnL and trades of every bot per UTC day, the last n
 * days (default 7, at most 31), today last. */
static char *
cw_notification_commands_daily(CwStore *store, const char *arg, gint64 now_ms)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gint64 today = now_ms - now_ms % CW_NOTIFICATION_COMMANDS_DAY_MS;
	guint64 n = 7;

	if (arg != NULL &&
	    !g_ascii_string_to_unsigned(arg, 10, 1, CW_NOTIFICATION_COMMANDS_MAX_DAYS, &n, NULL))
		return g_strdup_printf("usage: /daily [N], N from 1 to %d days",
				       CW_NOTIFICATION_COMMANDS_MAX_DAYS);
	for (guint64 i = n; i-- > 0;) {
		gint64 from = today - (gint64) i * CW_NOTIFICATION_COMMANDS_DAY_MS;
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) figures = cw_store_daily_figures(
		    store, from, from + CW_NOTIFICATION_COMMANDS_DAY_MS, &error);
		g_autoptr(GDateTime) day = g_date_time_new_from_unix_utc(from / 1000);
		g_autofree char *date = g_date_time_format(day, "%Y-%m-%d");
		gint64 trades = 0;
		double pnl = 0;

		if (figures == NULL)
			return g_strdup_printf("/daily: %s", error->message);
		for (guint j = 0; j < figures->len; j++) {
			const CwStoreDailyFigures *f = g_ptr_array_index(figures, j);
			trades += f->trades;
			pnl += f->net_pnl;
		}
		g_string_append_printf(out, "%s: %" G_GINT64_FORMAT " trades, PnL %+.2f\n", date,
				       trades, pnl);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The mutating commands: asks first, acts on "confirm". */
/* /close BOT (confirmed): through the running service's bots at once,
 * else left as a request the service carries out at its next poll. */
static char *
cw_notification_commands_close(CwStore *store, CwStrategyManager *manager, const char *source,
			       const char *bot)
{
	g_autoptr(GError) error = NULL;

	if (manager == NULL) {
		if (cw_bot_admin_request_close(store, bot, source, &error) <= 0)
			return g_strdup_printf("/close %s failed: %s", bot, error->message);
		return g_strdup_printf("/close %s: requested; the service carries it out at its "
				       "next poll",
				       bot);
	}
	if (!cw_strategy_manager_close_position(manager, bot, source, &error))
		return g_strdup_printf("/close %s failed: %s", bot, error->message);
	return g_strdup_printf("/close %s: reduce-only market close sent through the guards "
			       "(it fills at the next candle's open on a paper broker)",
			       bot);
}

static char *
cw_notification_commands_mutate(CwStore *store, CwStrategyManager *manager, const char *source,
				char **argv, guint argc, char **button_label, char **button_data)
{
	g_autoptr(GError) error = NULL;
	const char *cmd = argv[0];
	gboolean all = g_str_equal(cmd, "/halt_all") || g_str_equal(cmd, "/resume_all");
	const char *bot = all || argc < 2 ? NULL : argv[1];
	gboolean confirmed = argc > (all ? 1u : 2u) && g_str_equal(argv[all ? 1 : 2], "confirm");
	gboolean ok;

	if (!all && bot == NULL)
		return g_strdup_printf("usage: %s BOT", cmd);
	if (!confirmed) {
		*button_label = g_strdup("Confirm");
		*button_data = all ? g_strdup_printf("%s confirm", cmd)
				   : g_strdup_printf("%s %s confirm", cmd, bot);
		return all ? g_strdup_printf("%s: confirm with the button or send '%s confirm'",
					     cmd, cmd)
			   : g_strdup_printf(
				 "%s %s: confirm with the button or send '%s %s confirm'", cmd, bot,
				 cmd, bot);
	}
	if (g_str_equal(cmd, "/close"))
		return cw_notification_commands_close(store, manager, source, bot);
	if (all)
		ok = cw_bot_admin_set_kill_switch(store, g_str_equal(cmd, "/halt_all"), source,
						  &error);
	else
		ok = cw_bot_admin_set_mode(
		    store, bot, g_str_equal(cmd, "/halt") ? CW_BOT_MODE_HALTED : CW_BOT_MODE_ACTIVE,
		    source, &error);
	if (!ok)
		return g_strdup_printf("%s failed: %s", cmd, error->message);
	/* the service's own connection wrote it: its poll would not notice */
	if (manager != NULL)
		cw_strategy_manager_reconcile(manager);
	return all ? g_strdup_printf("%s: done", cmd) : g_strdup_printf("%s %s: done", cmd, bot);
}

static void
cw_notification_commands_journal(CwStore *store, const char *notifier, gint64 chat_id,
				 const char *text)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *payload = NULL;
	g_autoptr(GError) error = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "notifier");
	json_builder_add_string_value(b, notifier);
	json_builder_set_member_name(b, "chat_id");
	json_builder_add_int_value(b, chat_id);
	json_builder_set_member_name(b, "command");
	json_builder_add_string_value(b, text);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	payload = cw_json_to_string(root, FALSE);
	if (cw_store_event_append(store, 0, NULL, "NOTIFIER_COMMAND", g_get_real_time() / 1000,
				  payload, &error) < 0)
		g_warning("notifications: journalling a command: %s", error->message);
}

/** cw_notification_commands_run: Returns: (transfer full): the answer. */
char *
cw_notification_commands_run(CwStore *store, CwStrategyManager *manager, const char *notifier,
			     gint64 chat_id, const char *text, gint64 now_ms, char **button_label,
			     char **button_data)
{
	g_auto(GStrv) argv = NULL;
	g_autofree char *source = g_strdup_printf("%s:%" G_GINT64_FORMAT, notifier, chat_id);
	g_autofree char *line = g_strstrip(g_strdup(text != NULL ? text : ""));
	guint argc;
	char *at;

	*button_label = NULL;
	*button_data = NULL;
	argv = g_strsplit_set(line, " \t", 8);
	argc = g_strv_length(argv);
	if (argc == 0 || argv[0][0] != '/')
		return g_strdup(cw_notification_commands_help);
	/* "/status@my_bot" in groups */
	at = strchr(argv[0], '@');
	if (at != NULL)
		*at = '\0';
	cw_notification_commands_journal(store, notifier, chat_id, text);
	if (g_str_equal(argv[0], "/status"))
		return cw_notification_commands_status(store, argc > 1 ? argv[1] : NULL);
	if (g_str_equal(argv[0], "/profit"))
		return cw_notification_commands_profit(store, argc > 1 ? argv[1] : NULL);
	if (g_str_equal(argv[0], "/trades")) {
		guint64 n = 5;
		const char *bot = NULL;
		for (guint i = 1; i < argc; i++)
			if (!g_ascii_string_to_unsigned(argv[i], 10, 1, 100, &n, NULL))
				bot = argv[i];
		return cw_notification_commands_list_trades(store, bot, (guint) n);
	}
	if (g_str_equal(argv[0], "/balance"))
		return cw_notification_commands_balance(store);
	if (g_str_equal(argv[0], "/daily"))
		return cw_notification_commands_daily(store, argc > 1 ? argv[1] : NULL, now_ms);
	if (g_str_equal(argv[0], "/halt") || g_str_equal(argv[0], "/resume") ||
	    g_str_equal(argv[0], "/halt_all") || g_str_equal(argv[0], "/resume_all") ||
	    g_str_equal(argv[0], "/close"))
		return cw_notification_commands_mutate(store, manager, source, argv, argc,
						       button_label, button_data);
	return g_strdup(cw_notification_commands_help);
}
