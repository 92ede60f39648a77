package loops_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// One call uploads an image: create, PUT to the presigned URL (without the
// API key), complete.
func ExampleUploadsService_Upload() {
	srv, client := fakeClient()
	defer srv.Close()
	logo := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 56)...)

	done, err := client.Uploads.Upload(context.Background(), bytes.NewReader(logo), "image/png", int64(len(logo)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasSuffix(done.FinalURL, ".png"))
	// Output:
	// true
}

// A theme update sends only the styles you set; every email using the
// theme picks them up.
func ExampleThemesService_Update() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	theme, err := client.Themes.Create(ctx, &loops.ThemeCreateRequest{Name: "Brand"})
	if err != nil {
		log.Fatal(err)
	}
	updated, err := client.Themes.Update(ctx, theme.ID, &loops.ThemeUpdateRequest{
		Styles: &loops.ThemeStyles{ButtonBodyColor: new("#2563eb")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Styles.GetButtonBodyColor(), "restyled", updated.AffectedEmailCount, "emails")
	// Output:
	// #2563eb restyled 0 emails
}
