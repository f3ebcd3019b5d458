"""Entry point: `gunicorn app:app` serves the web half; `python app.py ...` runs the CLI."""
from wechat_bot import create_app
from wechat_bot.cli import main

if __name__ == "__main__":
    main()
else:
    from wechat_bot.config import require_ready_to_serve

    app = create_app()
    require_ready_to_serve(app.extensions["wechat_bot"].settings)
