/*
 * cmd/image.c - `duckdb-spawn image`: the group of container image commands.
 *
 * Dispatches to its subcommands from one table: `check` is the registry doctor
 * (cmd/image-check.c), `build` makes an OCI image of this binary without a container engine
 * (cmd/image-build.c), `push` sends it to a registry (cmd/image-push.c).
 */
#include "cmd.h"

static const struct cmd image_commands[] = {
	{"check", cmd_image_check, "tell whether a platform can pull an image, and if not why"},
	{"build", cmd_image_build, "build an OCI image of this binary, without Docker"},
	{"push", cmd_image_push, "push an OCI image layout to a registry"},
};

int cmd_image(int argc, const char **argv)
{
	return cmd_dispatch("image", image_commands,
			    sizeof(image_commands) / sizeof(image_commands[0]), argc, argv);
}
