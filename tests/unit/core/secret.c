/* Tests for lib/core/secret.c: reading from a descriptor, trailing newline, limits. */
#include <unistd.h>

#include "core/secret.h"
#include "test.h"

static int pipe_with(const char *data)
{
	int fds[2];

	ASSERT_EQ_INT(pipe(fds), 0);
	ASSERT_EQ_INT(write(fds[1], data, strlen(data)), (long long)strlen(data));
	close(fds[1]);
	return fds[0];
}

TEST(secret_read_fd_drops_one_trailing_newline)
{
	struct ds_secret s = DS_SECRET_INIT;
	struct ds_error e = DS_ERROR_INIT;
	int fd = pipe_with("hunter2 \r\n");

	ASSERT_EQ_INT(ds_secret_read_fd(&s, fd, 64, &e), 0);
	ASSERT_EQ_STR(ds_secret_value(&s), "hunter2 ");
	ASSERT_EQ_INT(s.len, 8);
	close(fd);
	ds_secret_release(&s);
	ASSERT_EQ_INT(ds_secret_is_set(&s), 0);
}

TEST(secret_read_fd_refuses_empty_and_too_long)
{
	struct ds_secret s = DS_SECRET_INIT;
	struct ds_error e = DS_ERROR_INIT;
	int fd = pipe_with("\n");

	ASSERT_EQ_INT(ds_secret_read_fd(&s, fd, 64, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "secret is empty");
	close(fd);

	ds_error_init(&e);
	fd = pipe_with("0123456789");
	ASSERT_EQ_INT(ds_secret_read_fd(&s, fd, 9, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "secret is longer than 9 bytes");
	ASSERT_EQ_INT(ds_secret_is_set(&s), 0);
	close(fd);

	ds_error_init(&e);
	fd = pipe_with("012345678");
	ASSERT_EQ_INT(ds_secret_read_fd(&s, fd, 9, &e), 0);
	ASSERT_EQ_STR(ds_secret_value(&s), "012345678");
	close(fd);
	ds_secret_release(&s);
}

TEST(secret_read_file_names_the_missing_file)
{
	struct ds_secret s = DS_SECRET_INIT;
	struct ds_error e = DS_ERROR_INIT;

	ASSERT_EQ_INT(ds_secret_read_file(&s, "/nonexistent/token", 64, &e), -1);
	ASSERT_EQ_STR(ds_error_msg(&e), "open '/nonexistent/token': No such file or directory");
}
