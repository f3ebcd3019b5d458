"""Entry point: `gunicorn app:app` serves the web half; `python app.py ...` runs the CLI."""
from wechat_bot.cli import main
from wechat_bot.startup import create_app_or_exit

if __name__ == "__main__":
    main()
else:
    app = create_app_or_exit()
