/*
 * image/build.c - assemble this binary's OCI image; see build.h.
 *
 * The layout is the one `cmake --install` and the Dockerfile produce: the binary in
 * /usr/local/bin, libduckdb.so in /usr/local/lib/duckdb-spawn (the binary's RUNPATH is
 * $ORIGIN/../lib/duckdb-spawn, see CMakeLists.txt), and the Debian libraries in
 * /usr/lib/x86_64-linux-gnu under the name the loader looked up, which is on the loader's
 * built-in search path, so the image needs no ld.so.cache. /lib and /lib64 are symlinks
 * into /usr as on Debian 12, so the loader path in the binary (PT_INTERP) resolves.
 */
#include "image/build.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "image/rootfs.h"
#include "image/tar.h"

#define LIBDIR "usr/lib/x86_64-linux-gnu"
#define PRIVATE_LIBDIR "usr/local/lib/duckdb-spawn"
#define DEFAULT_CA "/etc/ssl/certs/ca-certificates.crt"
#define LOADER "/lib64/ld-linux-x86-64.so.2"

static const char passwd[] = "root:x:0:0:root:/root:/usr/sbin/nologin\n"
			     "duckdb:x:10001:10001:duckdb-spawn:/data:/usr/sbin/nologin\n";
static const char group[] = "root:x:0:\nduckdb:x:10001:\n";
/* Without nsswitch.conf glibc guesses; say what the image has: files, then DNS. */
static const char nsswitch[] = "passwd: files\ngroup: files\nhosts: files dns\n";

static void iso8601(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int runtime_tree(const struct image_build_opts *o, struct image_rootfs *fs,
			struct ds_error *e)
{
	struct ds_strlist libs = DS_STRLIST_INIT;
	char *interp = NULL;
	char path[512];
	size_t i;
	int r = -1;

	if (image_closure_self(&libs, &interp, e))
		return -1;
	if (strcmp(interp, LOADER)) {
		ds_error_set(e, 0, "the binary's loader is '%s'; only " LOADER " (Debian amd64) is "
				   "supported", interp);
		goto out;
	}
	for (i = 0; i < libs.n; i++) {
		const char *name = base_name(libs.items[i]);
		char real[4096];

		if (!realpath(libs.items[i], real)) {
			ds_error_errno(e, errno, "resolve '%s'", libs.items[i]);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/%s",
			 strcmp(name, "libduckdb.so") ? LIBDIR : PRIVATE_LIBDIR, name);
		if (image_rootfs_has(fs, path))
			continue;
		if (image_rootfs_add_elf(fs, path, real, !strcmp(name, base_name(LOADER)) ? 0755 : 0644,
					 e))
			goto out;
	}
	if (!image_rootfs_has(fs, LIBDIR "/ld-linux-x86-64.so.2")) {
		char real[4096];

		if (!realpath(LOADER, real)) {
			ds_error_errno(e, errno, "resolve '%s'", LOADER);
			goto out;
		}
		if (image_rootfs_add_file(fs, LIBDIR "/ld-linux-x86-64.so.2", real, 0755, e))
			goto out;
	}
	/* $ORIGIN needs /proc (the loader reads /proc/self/exe) and a bare chroot has none: the
	 * system search path reaches libduckdb.so through this link all the same. */
	if (image_rootfs_add_symlink(fs, LIBDIR "/libduckdb.so",
				     "../../local/lib/duckdb-spawn/libduckdb.so", e) ||
	    image_rootfs_add_symlink(fs, "lib", "usr/lib", e) ||
	    image_rootfs_add_symlink(fs, "lib64", "usr/lib64", e) ||
	    image_rootfs_add_symlink(fs, "usr/lib64/ld-linux-x86-64.so.2",
				     "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", e) ||
	    image_rootfs_add_file(fs, "etc/ssl/certs/ca-certificates.crt",
				  o->ca_bundle ? o->ca_bundle : DEFAULT_CA, 0644, e) ||
	    image_rootfs_add_data(fs, "etc/passwd", passwd, sizeof(passwd) - 1, 0644, e) ||
	    image_rootfs_add_data(fs, "etc/group", group, sizeof(group) - 1, 0644, e) ||
	    image_rootfs_add_data(fs, "etc/nsswitch.conf", nsswitch, sizeof(nsswitch) - 1, 0644,
				  e) ||
	    image_rootfs_add_dir(fs, "tmp", 01777, 0, 0, e) ||
	    image_rootfs_add_dir(fs, "data", 0750, IMAGE_USER_ID, IMAGE_USER_ID, e))
		goto out;
	r = 0;
out:
	free(interp);
	ds_strlist_release(&libs);
	return r;
}

static int write_tree_layer(const struct image_build_opts *o, struct image_rootfs *fs,
			    struct image_layer_info *info, struct ds_error *e)
{
	struct image_layer_writer *w;
	struct image_tar t;

	if (image_layer_open(&w, o->layout_dir, o->gzip_level ? o->gzip_level : 9, e))
		return -1;
	image_tar_init(&t, image_layer_sink, w);
	if (image_rootfs_write(fs, &t, o->created, e) || image_tar_finish(&t, e)) {
		image_layer_abort(w);
		return -1;
	}
	return image_layer_close(w, info, e);
}

/* The base rootfs as given (gzip or plain tar), recompressed with our fixed header so the
 * layer digest depends only on its content. */
static int write_base_layer(const struct image_build_opts *o, struct image_layer_info *info,
			    struct ds_error *e)
{
	struct image_layer_writer *w;
	gzFile in;
	char buf[1 << 16];
	int n;

	in = gzopen(o->base_rootfs, "rb"); /* reads plain files too */
	if (!in)
		return ds_error_errno(e, errno, "open base rootfs '%s'", o->base_rootfs);
	if (image_layer_open(&w, o->layout_dir, o->gzip_level ? o->gzip_level : 9, e)) {
		gzclose(in);
		return -1;
	}
	while ((n = gzread(in, buf, sizeof(buf))) > 0) {
		if (image_layer_sink(w, buf, (size_t)n, e)) {
			gzclose(in);
			image_layer_abort(w);
			return -1;
		}
	}
	if (n < 0) {
		int err;
		const char *msg = gzerror(in, &err);

		ds_error_set(e, 0, "read base rootfs '%s': %s", o->base_rootfs, msg);
		gzclose(in);
		image_layer_abort(w);
		return -1;
	}
	gzclose(in);
	return image_layer_close(w, info, e);
}

static json_t *labels(const struct image_build_opts *o, const char *created)
{
	json_t *l = json_object();

	json_object_set_new(l, "org.opencontainers.image.title", json_string("duckdb-spawn"));
	json_object_set_new(l, "org.opencontainers.image.created", json_string(created));
	if (o->version)
		json_object_set_new(l, "org.opencontainers.image.version", json_string(o->version));
	if (o->revision)
		json_object_set_new(l, "org.opencontainers.image.revision",
				    json_string(o->revision));
	if (o->source)
		json_object_set_new(l, "org.opencontainers.image.source", json_string(o->source));
	return l;
}

static char *dump(json_t *j)
{
	/* Sorted keys, no whitespace: the bytes, and so the digest, depend on content only. */
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static int put_json(const struct image_build_opts *o, json_t *j, struct image_blob *b,
		    struct ds_error *e)
{
	char *s = dump(j);
	int r;

	if (!s)
		return ds_error_set(e, 0, "out of memory writing JSON");
	r = image_blob_put(o->layout_dir, s, strlen(s), b, e);
	free(s);
	return r;
}

static int write_file(const char *dir, const char *name, const char *data, struct ds_error *e)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return ds_error_errno(e, errno, "create '%s'", tmp);
	if (fputs(data, f) < 0 || fclose(f)) {
		unlink(tmp);
		return ds_error_errno(e, errno, "write '%s'", tmp);
	}
	if (rename(tmp, path))
		return ds_error_errno(e, errno, "rename to '%s'", path);
	return 0;
}

/* index.json: our manifest under ref_name, replacing an older one of that name and keeping
 * the others, so one layout can hold several tags. */
static int write_index(const struct image_build_opts *o, const struct image_blob *m,
		       struct ds_error *e)
{
	char path[4096];
	json_t *idx, *list, *ours, *ann;
	char *s;
	size_t i;
	int r;

	snprintf(path, sizeof(path), "%s/index.json", o->layout_dir);
	idx = json_load_file(path, 0, NULL);
	if (!idx || !json_is_array(json_object_get(idx, "manifests"))) {
		json_decref(idx);
		idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
				"application/vnd.oci.image.index.v1+json", "manifests");
	}
	list = json_object_get(idx, "manifests");
	for (i = json_array_size(list); i-- > 0;) {
		json_t *a = json_object_get(json_array_get(list, i), "annotations");
		const char *name = json_string_value(json_object_get(a, "org.opencontainers.image.ref.name"));

		if (name && o->ref_name && !strcmp(name, o->ref_name))
			json_array_remove(list, i);
	}
	ours = json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType",
			 "application/vnd.oci.image.manifest.v1+json", "digest", m->digest, "size",
			 (json_int_t)m->size, "platform", "os", "linux", "architecture", "amd64");
	if (o->ref_name) {
		ann = json_pack("{s:s}", "org.opencontainers.image.ref.name", o->ref_name);
		json_object_set_new(ours, "annotations", ann);
	}
	json_array_append_new(list, ours);
	s = json_dumps(idx, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(idx);
	if (!s)
		return ds_error_set(e, 0, "out of memory writing index.json");
	r = write_file(o->layout_dir, "index.json", s, e);
	free(s);
	return r;
}

static int mkdir_one(const char *dir, struct ds_error *e)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return ds_error_errno(e, errno, "mkdir '%s'", dir);
	return 0;
}

int image_build(const struct image_build_opts *o, struct image_build_result *r,
		struct ds_error *e)
{
	struct image_rootfs runtime = IMAGE_ROOTFS_INIT, app = IMAGE_ROOTFS_INIT;
	char created[32], exe[4096];
	json_t *config = NULL, *manifest = NULL, *diff_ids, *layers;
	int i, rc = -1;

	memset(r, 0, sizeof(*r));
	iso8601(o->created, created);
	if (mkdir_one(o->layout_dir, e))
		return -1;
	if (!o->binary) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n < 0)
			return ds_error_errno(e, errno, "readlink /proc/self/exe");
		exe[n] = '\0';
	}

	if (o->base_rootfs) {
		if (write_base_layer(o, &r->layers[r->nlayers], e))
			goto out;
		r->nlayers++;
	}
	if (runtime_tree(o, &runtime, e) || write_tree_layer(o, &runtime, &r->layers[r->nlayers], e))
		goto out;
	r->nlayers++;
	if (image_rootfs_add_elf(&app, IMAGE_BINARY_PATH, o->binary ? o->binary : exe, 0755, e) ||
	    write_tree_layer(o, &app, &r->layers[r->nlayers], e))
		goto out;
	r->nlayers++;

	diff_ids = json_array();
	layers = json_array();
	for (i = 0; i < r->nlayers; i++) {
		json_array_append_new(diff_ids, json_string(r->layers[i].diff_id));
		json_array_append_new(
			layers, json_pack("{s:s, s:s, s:I}", "mediaType",
					  "application/vnd.oci.image.layer.v1.tar+gzip", "digest",
					  r->layers[i].blob.digest, "size",
					  (json_int_t)r->layers[i].blob.size));
		r->compressed_size += r->layers[i].blob.size;
		r->uncompressed_size += r->layers[i].uncompressed_size;
	}
	config = json_pack(
		"{s:s, s:s, s:s, s:{s:s, s:[s, s, s], s:[s, s], s:{s:{}}, s:s, s:{s:{}}, s:s, s:o,"
		" s:{s:[s, s, s], s:I, s:I, s:I, s:i}},"
		" s:{s:s, s:o}, s:[{s:s, s:s}]}",
		"architecture", "amd64", "os", "linux", "created", created,
		"config",
		"User", "10001:10001",
		"Env", "PATH=/usr/local/bin:/usr/bin:/bin", "DATABASE_URL=" IMAGE_DATABASE_URL,
		"HOME=/data",
		"Entrypoint", IMAGE_BINARY_PATH, "serve",
		"ExposedPorts", "8000/tcp",
		"WorkingDir", IMAGE_DATA_DIR,
		"Volumes", IMAGE_DATA_DIR,
		"StopSignal", "SIGTERM",
		"Labels", labels(o, created),
		/* Docker reads Healthcheck from the config; OCI runtimes ignore it. Nanoseconds. */
		"Healthcheck", "Test", "CMD", IMAGE_BINARY_PATH, "health",
		"Interval", (json_int_t)30000000000LL, "Timeout", (json_int_t)5000000000LL,
		"StartPeriod", (json_int_t)5000000000LL, "Retries", 3,
		"rootfs", "type", "layers", "diff_ids", diff_ids,
		"history", "created", created, "created_by", "duckdb-spawn image build");
	if (!config) {
		json_decref(layers);
		ds_error_set(e, 0, "out of memory building the image config");
		goto out;
	}
	if (put_json(o, config, &r->config, e)) {
		json_decref(layers);
		goto out;
	}
	manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o, s:o}", "schemaVersion", 2,
			     "mediaType", "application/vnd.oci.image.manifest.v1+json", "config",
			     "mediaType", "application/vnd.oci.image.config.v1+json", "digest",
			     r->config.digest, "size", (json_int_t)r->config.size, "layers", layers,
			     "annotations", labels(o, created));
	if (!manifest) {
		ds_error_set(e, 0, "out of memory building the manifest");
		goto out;
	}
	if (put_json(o, manifest, &r->manifest, e))
		goto out;
	r->compressed_size += r->config.size + r->manifest.size;
	if (write_file(o->layout_dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", e) ||
	    write_index(o, &r->manifest, e))
		goto out;
	rc = 0;
out:
	json_decref(config);
	json_decref(manifest);
	image_rootfs_release(&runtime);
	image_rootfs_release(&app);
	return rc;
}
